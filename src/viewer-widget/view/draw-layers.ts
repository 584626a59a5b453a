/**
 * What the canvas draws: for each visible layer, or each visible channel of a composite, the
 * plane on screen with the settings that apply — a channel layer's colormap, contrast and
 * gamma are its channel's (by name), any other layer's are its own.
 */
import type { ViewerSession } from '../client/viewer-session.js';
import { channelContrast } from '../model/layer-channels.js';
import type { Plane } from '../model/plane.js';
import type { ViewerModel } from '../model/viewer-model.js';
import type { DrawLayer } from './gl-renderer.js';

export function drawLayers(model: ViewerModel, session: ViewerSession): DrawLayer[] {
  const visible = model.visiblePlanes();
  const layerCount = new Set(visible.map(v => v.layer.key)).size;
  const out: DrawLayer[] = [];
  for (const v of visible) {
    const plane = session.shown.get(v.drawKey);
    if (!plane) continue;
    const { layer } = v;
    const channel = v.channel !== undefined ? model.channels.get(v.channel) : undefined;
    const composite = v.drawKey !== layer.key;
    out.push({
      key: v.drawKey,
      plane,
      fullShape: layer.info.shape,
      contrast: channel ? channelContrast(channel, layer.info) : layer.effectiveContrastLimits,
      colormap: channel ? channel.colormap : layer.colormap,
      opacity: layer.opacity,
      gamma: channel ? channel.gamma : 1,
      // a composite's channels are read out by name; the layer's too when several are drawn
      label: composite ? (layerCount > 1 ? `${layer.key} ${v.channel}` : v.channel!) : layer.key,
      pixelSize: layer.info.pixel_size,
      ...(layer.isLabels ? { labels: layer.labelsMode } : {})
    });
  }
  return out;
}

/** The plane on screen of a layer, or of its channel `channel` (composite or single). */
export function planeOnScreen(
  model: ViewerModel,
  session: ViewerSession,
  key: string,
  channel?: string
): Plane | undefined {
  const v = model
    .visiblePlanes()
    .find(p => p.layer.key === key && (channel === undefined || p.channel === channel));
  return v && session.shown.get(v.drawKey);
}
