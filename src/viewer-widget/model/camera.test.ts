import { Camera } from './camera.js';

describe('Camera', () => {
  it('fits an image into the view, centred', () => {
    const c = new Camera();
    c.fit(2048, 1024, 512, 512);
    expect(c.zoom).toBe(0.25);
    expect(c.toImage(256, 256, 512, 512)).toEqual([1024, 512]);
    expect(c.toImage(0, 256, 512, 512)).toEqual([0, 512]);
  });

  it('zooms about the cursor: the image point under it stays put', () => {
    const c = new Camera();
    c.fit(100, 100, 200, 200);
    const before = c.toImage(50, 150, 200, 200);
    c.zoomAt(3, 50, 150, 200, 200);
    expect(c.zoom).toBe(6);
    const after = c.toImage(50, 150, 200, 200);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
  });

  it('pans so the image follows the pointer', () => {
    const c = new Camera();
    c.fit(100, 100, 100, 100);
    const p = c.toImage(10, 10, 100, 100);
    c.pan(5, -5);
    expect(c.toImage(15, 5, 100, 100)).toEqual(p);
  });

  it('restores valid state only', () => {
    const c = new Camera();
    c.restore({ zoom: -1, centerX: 0, centerY: 0 });
    expect(c.placed).toBe(false);
    c.restore({ zoom: 2, centerX: 10, centerY: 20 });
    expect(c.state()).toEqual({ zoom: 2, centerX: 10, centerY: 20 });
    expect(c.placed).toBe(true);
  });
});

describe('Camera re-fitting', () => {
  it('marks user pans and zooms, and a fit clears the mark', () => {
    const c = new Camera();
    c.fit(10, 10, 100, 100);
    expect(c.userMoved).toBe(false);
    c.zoomAt(2, 0, 0, 100, 100);
    expect(c.userMoved).toBe(true);
    c.fit(10, 10, 100, 100);
    expect(c.userMoved).toBe(false);
    c.pan(1, 1);
    expect(c.userMoved).toBe(true);
  });
});
