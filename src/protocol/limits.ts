/**
 * The bounds on what one message may ask of a viewer server. Each caps the work or memory
 * a few small messages could otherwise cost (docs/security.md lists them with their reasons).
 * Producers may check against them before sending; the server refuses whatever exceeds one,
 * with an error that names the limit, and goes on serving.
 */

/** One ZeroMQ message part on the data port (a JSON header or a pixel frame). */
export const MAX_DATA_MESSAGE_BYTES = 1024 ** 3;

/** One ZeroMQ message on the control port (ping, status, clear, shutdown are tiny). */
export const MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;

/** The JSON header of one data message (50 images of metadata are a few KiB). */
export const MAX_HEADER_BYTES = 16 * 1024 ** 2;

/** Images in one data message (producers send at most 50, as OpenHCS does). */
export const MAX_IMAGES_PER_MESSAGE = 4096;

/** 2-D planes one N-D image may split into (e.g. t × c × z). */
export const MAX_PLANES_PER_IMAGE = 4096;

/** Pixels of one plane, also after padding to a layer's largest height and width. */
export const MAX_PLANE_PIXELS = 2 ** 27;

/** Distinct values of one stack axis of one layer (wells, sites, z, timepoints, ...). */
export const MAX_AXIS_VALUES = 65_536;

/** Layers one server holds. */
export const MAX_LAYERS = 1024;

/** Characters of one component value or name (a well name, a step name). */
export const MAX_NAME_LENGTH = 256;

/** Planes one `api/thumbnails` reply may hold (a 1536-well plate's wells of one layer). */
export const MAX_THUMBNAILS_PER_REQUEST = 1536;

/** Bytes of pixels one `api/thumbnails` reply may hold; a bigger ask gets HTTP 413. */
export const MAX_THUMBNAIL_BYTES = 64 * 1024 ** 2;
