/**
 * Lazy resolution: the first level that sets a field wins, step → pipeline → global →
 * default. The compiled plan keeps where each value came from, so a user can see why a step
 * streams to port 5556 or writes checkpoints to zarr.
 */
export type ConfigSource = 'step' | 'pipeline' | 'global' | 'default';

export interface Resolved<T> {
  values: T;
  /** Level each field was taken from. */
  from: Record<keyof T, ConfigSource>;
}

export type ConfigLayer<T> = [ConfigSource, Partial<T> | undefined];

export function resolveConfig<T extends object>(
  defaults: Readonly<T>,
  layers: ConfigLayer<T>[]
): Resolved<T> {
  const values = { ...defaults } as T;
  const from = {} as Record<keyof T, ConfigSource>;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    from[key] = 'default';
    for (const [source, layer] of layers) {
      const value = layer?.[key];
      if (value !== undefined) {
        values[key] = value as T[keyof T];
        from[key] = source;
        break;
      }
    }
  }
  return { values, from };
}

/**
 * A config object present on a step declares intent, as `LazyNapariStreamingConfig()` does in
 * OpenHCS: `streaming: {}` on a step means "stream this step", so its unset `enabled` reads
 * true. Every other unset field still resolves from the pipeline and global levels.
 */
export function declaredOnStep<T extends { enabled?: boolean }>(
  config: T | undefined
): T | undefined {
  if (config === undefined || config === null) return undefined;
  return config.enabled === undefined ? { ...config, enabled: true } : config;
}
