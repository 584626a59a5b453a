/**
 * GridModel: the plate overview. Wells laid out as on the plate (rows A, B, …; columns
 * 1, 2, …, in the smallest standard plate format that holds them) and, per well, the plane
 * each visible layer shows there: the current position on every other axis, with the well
 * axis set to that well. No DOM; the GridView draws it.
 */
import type { Component } from '../../protocol/components.js';
import type { Dims } from './dims.js';
import type { Layer } from './layer.js';
import type { AxisValue } from './plane.js';

export const WELL_AXIS: Component = 'well';

export interface GridCell {
  well: AxisValue;
  /** 0-based row and column on the plate. */
  row: number;
  col: number;
  /** The well's label (`Well A05`), for tooltips. */
  label: string;
}

export interface GridLayout {
  rows: number;
  cols: number;
  /** Row names (A, B, …) or 1-based numbers when the wells are not named as on a plate. */
  rowNames: string[];
  colNames: string[];
  cells: GridCell[];
}

/** What one layer (or one channel of a composite) shows in one well. */
export interface GridPlane {
  layer: Layer;
  values: AxisValue[];
}

/** The planes drawn at a position: ViewerModel.visiblePlanes, the single view's own list. */
export type PlanesAt<P extends GridPlane> = (
  position: Partial<Record<Component, AxisValue>>
) => P[];

/** Standard plate formats [rows, cols]; the smallest that holds the wells is drawn. */
const PLATE_FORMATS: readonly [number, number][] = [
  [2, 3],
  [3, 4],
  [4, 6],
  [6, 8],
  [8, 12],
  [16, 24],
  [32, 48]
];

const WELL_NAME = /^([A-Za-z]{1,2})0*(\d{1,3})$/;

/** Row letters → 0-based index: A → 0, Z → 25, AA → 26, AF → 31 (1536-well plates). */
function rowIndex(letters: string): number {
  const up = letters.toUpperCase();
  const first = up.charCodeAt(0) - 65;
  return up.length === 1 ? first : 26 * (first + 1) + (up.charCodeAt(1) - 65);
}

function rowName(i: number): string {
  return i < 26
    ? String.fromCharCode(65 + i)
    : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
}

/**
 * Lay wells out as on their plate. Names like `A01`/`B12` give row and column; if any well
 * is named otherwise, all are laid out in reading order in a near-square grid.
 */
export function plateLayout(
  wells: readonly AxisValue[],
  labels: readonly string[] = []
): GridLayout {
  const parsed = wells.map(w => (typeof w === 'string' ? WELL_NAME.exec(w) : null));
  const label = (i: number) => labels[i] || `Well ${wells[i]}`;
  if (wells.length > 0 && parsed.every(m => m !== null)) {
    const cells = wells.map((well, i) => ({
      well,
      row: rowIndex(parsed[i]![1]),
      col: Number(parsed[i]![2]) - 1,
      label: label(i)
    }));
    const needRows = Math.max(...cells.map(c => c.row)) + 1;
    const needCols = Math.max(...cells.map(c => c.col)) + 1;
    const [rows, cols] = PLATE_FORMATS.find(([r, c]) => r >= needRows && c >= needCols) ?? [
      needRows,
      needCols
    ];
    return {
      rows,
      cols,
      rowNames: Array.from({ length: rows }, (_, i) => rowName(i)),
      colNames: Array.from({ length: cols }, (_, i) => String(i + 1)),
      cells
    };
  }
  const cols = Math.max(1, Math.ceil(Math.sqrt(wells.length)));
  const rows = Math.max(1, Math.ceil(wells.length / cols));
  return {
    rows,
    cols,
    rowNames: Array.from({ length: rows }, (_, i) => String(i + 1)),
    colNames: Array.from({ length: cols }, (_, i) => String(i + 1)),
    cells: wells.map((well, i) => ({
      well,
      row: Math.floor(i / cols),
      col: i % cols,
      label: label(i)
    }))
  };
}

export class GridModel<P extends GridPlane = GridPlane> {
  constructor(
    private readonly _dims: Dims,
    private readonly _planesAt: PlanesAt<P>
  ) {}

  /** True when there is a well axis with more than one well: a grid is worth showing. */
  get available(): boolean {
    return (this._dims.axis(WELL_AXIS)?.values.length ?? 0) > 1;
  }

  layout(): GridLayout {
    const axis = this._dims.axis(WELL_AXIS);
    return plateLayout(axis?.values ?? [], axis?.labels ?? []);
  }

  /** The well the single view shows now. */
  get currentWell(): AxisValue | undefined {
    return this._dims.value(WELL_AXIS);
  }

  /** What the single view would draw in `well`, at the current position on the other axes. */
  planesOf(well: AxisValue): P[] {
    return this._planesAt({ ...this._dims.position(), [WELL_AXIS]: well });
  }

  /** Step into a well: the single view moves there (a user move: follow newest stops). */
  open(well: AxisValue): void {
    const axis = this._dims.axis(WELL_AXIS);
    const i = axis ? axis.values.indexOf(well) : -1;
    if (i >= 0) this._dims.setIndex(WELL_AXIS, i);
  }
}
