/**
 * The channels of a layer: the values of its `channel` axis, each with its name and its
 * settings (created on first sight with the channel's default color). A layer with more
 * than one channel is a channel layer: its channels are drawn with their own settings, all
 * at once (added up) in composite mode.
 */
import type { LayerInfo } from '../../protocol/viewer-api.js';
import { channelColormap, channelName } from './channel-colors.js';
import type { ChannelDisplayState, ChannelSettings } from './channel-settings.js';
import type { AxisValue } from './plane.js';

export interface LayerChannel {
  value: AxisValue;
  name: string;
  settings: Readonly<ChannelDisplayState>;
}

/** The layer's channel axis, or undefined. */
export function channelAxis(info: LayerInfo): LayerInfo['axes'][number] | undefined {
  return info.axes.find(a => a.name === 'channel');
}

/** More than one channel: drawn with per-channel settings (and as a composite). */
export function isChannelLayer(info: LayerInfo): boolean {
  return (channelAxis(info)?.values.length ?? 0) > 1;
}

/** The channels of a channel layer in axis order; [] for any other layer. */
export function layerChannels(info: LayerInfo, settings: ChannelSettings): LayerChannel[] {
  const axis = channelAxis(info);
  if (!axis || axis.values.length < 2) return [];
  const n = axis.values.length;
  return axis.values.map((value, i) => {
    const name = channelName(axis.labels[i], value);
    return { value, name, settings: settings.ensure(name, channelColormap(name, i, n)) };
  });
}

/** The channel of a plane of a channel layer (its values in axis order); undefined otherwise. */
export function planeChannel(
  info: LayerInfo,
  settings: ChannelSettings,
  values: readonly AxisValue[]
): LayerChannel | undefined {
  const k = info.axes.findIndex(a => a.name === 'channel');
  if (k < 0) return undefined;
  return layerChannels(info, settings).find(c => c.value === values[k]);
}

/** Limits a channel is drawn with: its own, else the data range the server has seen. */
export function channelContrast(
  settings: Readonly<ChannelDisplayState>,
  info: LayerInfo
): [number, number] {
  if (settings.contrastLimits) return [settings.contrastLimits[0], settings.contrastLimits[1]];
  const [lo, hi] = info.range;
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
