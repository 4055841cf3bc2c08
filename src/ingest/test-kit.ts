/** Tests' pipeline: the real one, with small commits that go at once and errors that fail the test. */
import { createPipeline, type IngestPipeline, type PipelineOptions } from './pipeline.js';

export function testPipeline(parts: Pick<PipelineOptions, 'clock' | 'store' | 'bus' | 'registry' | 'pseudonymiser'>): IngestPipeline {
  return createPipeline({
    ...parts,
    maxFutureMs: 300_000,
    retentionByKind: new Map(),
    commitBatch: 1000,
    commitDelayMs: 0,
    commitInFlight: 2,
    onError: (_w, err) => {
      throw err;
    },
  });
}
