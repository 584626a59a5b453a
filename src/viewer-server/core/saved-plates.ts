/**
 * Plates opened from disk outlive the server (issue 17): their pixels stay in their own
 * folders, so the layer store keeps only the list of open plates (folder and layer key) in
 * its group attributes, rewritten atomically whenever the list changes (a plate opened,
 * Clear). A starting server reopens them all at once, each within the plate source's bounds;
 * a plate that is gone or unreadable gets one log line and is left out, and so forgotten.
 */
import { z } from 'zod';
import type { SpillStore } from '../pixels/spill-store.js';
import { MAX_OPEN_PLATES, type DiskPlates } from './disk-plates.js';

const StoreAttributesSchema = z.object({
  plates: z
    .array(z.object({ path: z.string().min(1), key: z.string().min(1) }))
    .max(MAX_OPEN_PLATES)
});

export interface ReopenReport {
  plates: number;
  /** One line per plate left out, and why. */
  problems: string[];
}

export class SavedPlates {
  constructor(
    private readonly spill: SpillStore,
    private readonly disk: DiskPlates,
    private readonly log: (line: string) => void
  ) {}

  /** Writes the plates open now into the store (after an open or a Clear). */
  save(): void {
    try {
      this.spill.writeStoreAttributes({ plates: this.disk.opened() });
    } catch (err) {
      this.log(
        `store: the list of plates opened from disk was not saved, a restart will not reopen them: ${(err as Error).message}`
      );
    }
  }

  /** Reopens the plates the store names (call after the store was opened). */
  async reopen(): Promise<ReopenReport> {
    const started = performance.now();
    const { attributes } = await this.spill.open();
    if (attributes === undefined) return { plates: 0, problems: [] };
    const parsed = StoreAttributesSchema.safeParse(attributes);
    if (!parsed.success) {
      const line = `store: the list of plates opened from disk in ${this.spill.dir}/zarr.json is not one this server reads (${parsed.error.issues[0]?.message}); no plate reopened`;
      this.log(line);
      return { plates: 0, problems: [line] };
    }
    const { plates } = parsed.data;
    const results = await Promise.all(
      plates.map(({ path, key }) =>
        this.disk.open(path, key).then(
          () => null,
          (err: unknown) =>
            `store: plate ${path} (layer ${JSON.stringify(key)}) not reopened: ${(err as Error).message}; left out (open it again once it is back)`
        )
      )
    );
    const problems = results.filter((line): line is string => line !== null);
    for (const line of problems) this.log(line);
    if (plates.length > 0) {
      this.log(
        `store: reopened ${plates.length - problems.length} plate(s) from disk in ${Math.round(performance.now() - started)} ms`
      );
      if (problems.length > 0) this.save(); // what is left out is forgotten
    }
    return { plates: plates.length - problems.length, problems };
  }
}
