/**
 * Which layer an image belongs to, as in OpenHCS: `{component}_{value}` of every slice-mode
 * component the image has, joined in component order (`source_Enhance`); `default_layer`
 * when there is none. Stack-mode components become the layer's axes, in the same order.
 * An OpenHCS 0.8.6 image names its producer (metadata.producer_title, ingest/openhcs-batch.ts):
 * its layer is keyed and titled as OpenHCS's napari viewer titles it, the producer then
 * `{component} {value}` of each layer-mode component ("2. Enhance", "2. Enhance well A01").
 */
import {
  COMPONENTS,
  DEFAULT_COMPONENT_MODES,
  type Component,
  type DisplayConfig,
  type ImageMetadata
} from '../../protocol/index.js';
import { normaliseValue } from './component-value.js';

export const DEFAULT_LAYER_KEY = 'default_layer';

/** The configured order, completed with the components it omits. */
export function componentOrder(display: DisplayConfig): Component[] {
  const given = display.component_order ?? [];
  const order = [...new Set(given)];
  for (const c of COMPONENTS) if (!order.includes(c)) order.push(c);
  return order;
}

export function componentMode(display: DisplayConfig, component: Component): 'stack' | 'slice' {
  return display.component_modes[component] ?? DEFAULT_COMPONENT_MODES[component];
}

export function stackComponents(display: DisplayConfig): Component[] {
  return componentOrder(display).filter(c => componentMode(display, c) === 'stack');
}

export function layerKey(metadata: ImageMetadata, display: DisplayConfig): string {
  const producer = metadata.producer_title;
  const titled = typeof producer === 'string' && producer !== '';
  const parts: string[] = titled ? [producer] : [];
  for (const component of componentOrder(display)) {
    if (componentMode(display, component) !== 'slice') continue;
    const value = normaliseValue(component, metadata[component]);
    if (value !== null) parts.push(titled ? `${component} ${value}` : `${component}_${value}`);
  }
  if (parts.length === 0) return DEFAULT_LAYER_KEY;
  return parts.join(titled ? ' ' : '_');
}
