/**
 * OpenHCS 0.8.6 batches as they come (polystore/zmqruntime viewer_protocol), read into
 * this server's batch schema before validation:
 * - `component_modes` value "layer" (napari: one layer per value) is our "slice";
 * - display names may be null (`{"well": {"A01": null}}`: no name known) and are dropped;
 * - `producer_identity` titles the image's layer as OpenHCS's viewer does ("2. Enhance",
 *   StreamProducerDisplayNameAuthority.output_label), kept in metadata.producer_title;
 * - `component_value_domain` stays (the axes are laid out from it up front).
 * Only a header whose images carry producer_identity is changed; our producers' are not.
 */

import { COMPONENTS } from '../../protocol/index.js';

/** Output kinds whose output key OpenHCS leaves out of the title (identity.py). */
const OUTPUT_KEY_OMITTING_KINDS = new Set(['main', 'manual', 'direct']);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const text = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;

/** The layer title OpenHCS 0.8.6 gives a producer, or null when the identity is unusable. */
export function producerTitle(identity: unknown): string | null {
  if (!isObject(identity)) return null;
  const outputKey = text(identity.output_key);
  const stepName = text(identity.step_name);
  const base = stepName ?? outputKey;
  if (base === null) return null;
  const position = identity.pipeline_position;
  const label =
    typeof position === 'number' && Number.isInteger(position) ? `${position + 1}. ${base}` : base;
  const kind = text(identity.output_kind);
  const withKey =
    outputKey !== null &&
    kind !== null &&
    !OUTPUT_KEY_OMITTING_KINDS.has(kind) &&
    outputKey !== base;
  return (withKey ? `${label} ${outputKey}` : label).slice(0, 200);
}

/** True when the header comes from OpenHCS 0.8.6 (its images name their producer). */
export function isOpenHcsBatch(header: unknown): header is Json {
  return (
    isObject(header) &&
    Array.isArray(header.images) &&
    header.images.some(item => isObject(item) && isObject(item.producer_identity))
  );
}

/** The header with OpenHCS's conventions read as ours (a copy; the input is left alone). */
export function fromOpenHcs(header: unknown): unknown {
  if (!isOpenHcsBatch(header)) return header;
  const out: Json = { ...header };
  const display = header.display_config;
  if (isObject(display) && isObject(display.component_modes)) {
    const modes: Json = {};
    for (const [component, mode] of Object.entries(display.component_modes))
      modes[component] = mode === 'layer' ? 'slice' : mode;
    out.display_config = { ...display, component_modes: modes };
  }
  const names = header.component_names_metadata;
  if (isObject(names)) {
    const kept: Json = {};
    for (const [component, byValue] of Object.entries(names)) {
      if (!isObject(byValue)) continue;
      const named: Json = {};
      for (const [value, name] of Object.entries(byValue)) if (name !== null) named[value] = name;
      kept[component] = named;
    }
    out.component_names_metadata = kept;
  }
  const domain = header.component_value_domain;
  if (isObject(domain)) {
    const known: Json = {};
    for (const component of COMPONENTS) {
      const values = domain[component];
      if (Array.isArray(values))
        known[component] = values.filter(v => typeof v === 'string' || typeof v === 'number');
    }
    out.component_value_domain = known;
  }
  out.images = (header.images as unknown[]).map(item => {
    if (!isObject(item)) return item;
    const title = producerTitle(item.producer_identity);
    if (title === null) return item;
    const metadata = isObject(item.metadata) ? item.metadata : {};
    return { ...item, metadata: { ...metadata, producer_title: title } };
  });
  return out;
}
