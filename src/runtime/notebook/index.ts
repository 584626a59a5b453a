/** Notebook helpers (`jupyterlab-pipeline-viewer/notebook`): live run progress and manual show. */
export {
  RunProgressDisplay,
  kernelDisplay,
  progressBundle,
  viewerBundle,
  summaryText
} from './progress.js';
export type { DisplayFn, MimeBundle, ProgressCounts, RunProgressOptions } from './progress.js';
export { runWithProgress } from './run-with-progress.js';
export type { RunWithProgressOptions } from './run-with-progress.js';
export { showInViewer } from './show.js';
export { openInViewer } from './open-in-viewer.js';
export type { OpenInViewerOptions } from './open-in-viewer.js';
export { plateMap } from './plate-map.js';
export type { PlateMapOptions, PlateMapOutput } from './plate-map.js';
export type { ShowInViewerOptions } from './show.js';
// The demo notebook generates its plate; the generator lives with the runtime's plates.
export { writeSyntheticPlate } from '../plate/synthetic-plate.js';
export type { SyntheticPlate, SyntheticPlateOptions } from '../plate/synthetic-plate.js';
