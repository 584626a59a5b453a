/** Segment names of a refused header are read as JSON reads them, escapes decoded. */
import { MAX_HEADER_BYTES, MAX_IMAGES_PER_MESSAGE } from '../../protocol/index.js';
import { namedSegments, namedSegmentsInText } from './named-segments.js';

const NAME = 'plv_0123456789abcdef';
const ESCAPED = 'plv_\\u0030123456789abcdef'; // \u0030 is "0"
const text = (s: string) => new TextEncoder().encode(s);

describe('namedSegments', () => {
  it('takes images[i].shm_name of a parsed header, valid names only, each once', () => {
    const raw = JSON.parse(
      `{"images": [{"shm_name": "${ESCAPED}"}, {"shm_name": "${NAME}"}, {"shm_name": "../etc/passwd"}, 7, null]}`
    );
    expect(namedSegments(raw)).toEqual([NAME]);
    expect(namedSegments({ images: 'no list' })).toEqual([]);
    expect(namedSegments(null)).toEqual([]);
  });

  it('keeps at most MAX_IMAGES_PER_MESSAGE names', () => {
    const images = Array.from({ length: MAX_IMAGES_PER_MESSAGE + 5 }, (_, i) => ({
      shm_name: `plv_${i.toString(16).padStart(8, '0')}`
    }));
    expect(namedSegments({ images })).toHaveLength(MAX_IMAGES_PER_MESSAGE);
  });
});

describe('namedSegmentsInText', () => {
  it('finds plain and escaped names in a header that is not JSON', () => {
    const other = 'plv_fedcba9876543210';
    const header = text(
      `{"images": [{"shm_name": "${ESCAPED}"}, {"shm_name" : "${other}"}, {"shm_name": "plv_zz"`
    );
    expect(namedSegmentsInText(header)).toEqual([NAME, other]);
  });

  it('does not read a header over MAX_HEADER_BYTES', () => {
    const header = new Uint8Array(MAX_HEADER_BYTES + 1);
    header.set(text(`{"shm_name": "${NAME}"`));
    expect(namedSegmentsInText(header)).toEqual([]);
  });
});
