import { fromOpenHcs, producerTitle } from './openhcs-batch.js';

const identity = (fields: Record<string, unknown>) => ({
  origin: 'pipeline',
  output_kind: 'main',
  output_key: 'main',
  projection_key: 'main',
  step_scope_id: null,
  invocation_key: null,
  artifact_kind: null,
  ...fields
});

describe('producerTitle (OpenHCS StreamProducerDisplayNameAuthority.output_label)', () => {
  it('numbers pipeline steps from 1 and leaves main output keys out', () => {
    expect(producerTitle(identity({ step_name: 'Enhance', pipeline_position: 1 }))).toBe(
      '2. Enhance'
    );
    expect(producerTitle(identity({ step_name: 'Enhance', pipeline_position: null }))).toBe(
      'Enhance'
    );
  });
  it('adds a named output key, falls back to it without a step name', () => {
    expect(
      producerTitle(
        identity({
          step_name: 'Segment',
          pipeline_position: 2,
          output_kind: 'special',
          output_key: 'masks'
        })
      )
    ).toBe('3. Segment masks');
    expect(
      producerTitle({ origin: 'manual', output_kind: 'manual', output_key: 'selected_images' })
    ).toBe('selected_images');
  });
  it('gives no title to what is no identity', () => {
    expect(producerTitle(null)).toBeNull();
    expect(producerTitle({ step_name: '' })).toBeNull();
  });
});

describe('fromOpenHcs', () => {
  const header = {
    type: 'batch',
    images: [
      {
        path: 'A01_s1_w1_z001.tif',
        metadata: { well: 'A01' },
        producer_identity: identity({ step_name: 'Enhance', pipeline_position: 1 })
      }
    ],
    display_config: { component_modes: { well: 'layer', channel: 'stack' } },
    component_names_metadata: { channel: { '1': 'DAPI' }, well: { A01: null } },
    component_value_domain: { well: ['A01', 'A02'], channel: [1, [2, 3]], bogus: [1] }
  };

  it("reads 'layer' as slice, drops null names, titles by producer, keeps known domains", () => {
    expect(fromOpenHcs(header)).toEqual({
      ...header,
      images: [{ ...header.images[0], metadata: { well: 'A01', producer_title: '2. Enhance' } }],
      display_config: { component_modes: { well: 'slice', channel: 'stack' } },
      component_names_metadata: { channel: { '1': 'DAPI' }, well: {} },
      component_value_domain: { well: ['A01', 'A02'], channel: [1] }
    });
  });

  it('leaves a batch without producer_identity (our producers) untouched', () => {
    const ours = { ...header, images: [{ path: 'x', metadata: {} }] };
    expect(fromOpenHcs(ours)).toBe(ours);
  });
});
