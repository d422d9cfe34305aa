/**
 * `bench profile`'s counting (benchmarks/perf/cpu-profile.ts) on a hand-made V8 CPU profile:
 * self and inclusive samples per function, recursion counted once per sample, idle apart, and
 * samples by line. The benchmarks are their own TypeScript project, so the compiled module is
 * imported at run time (the root `tsc -b` builds it before the tests run).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';

interface Summary {
  samples: number;
  idle: number;
  seconds: number;
  self: Array<{ frame: string; samples: number }>;
  inclusive: Array<{ frame: string; samples: number }>;
  lines: Map<string, Array<{ line: number; samples: number }>>;
}
type Summarize = (profile: unknown, lineFunctions?: readonly string[]) => Summary;

// This file runs as test/dist/unit/cpu-profile-summary.test.js.
const moduleUrl = new URL('../../../benchmarks/dist/perf/cpu-profile.js', import.meta.url).href;

function node(id: number, functionName: string, children: number[] = [], url = '', lineNumber = 0, positionTicks?: Array<{ line: number; ticks: number }>) {
  return { id, callFrame: { functionName, url, lineNumber }, children, positionTicks };
}

// (root) -> main -> outer -> inner -> outer (recursion) ; (root) -> (idle) ; (root) -> (garbage collector)
const profile = {
  startTime: 0,
  endTime: 2_000_000,
  nodes: [
    node(1, '(root)', [2, 6, 7]),
    node(2, 'main', [3], 'file:///app/dist/main.js', 0),
    node(3, 'outer', [4], 'file:///app/dist/lib.js', 9, [{ line: 12, ticks: 2 }]),
    node(4, 'inner', [5], 'file:///app/dist/lib.js', 19, [
      { line: 21, ticks: 3 },
      { line: 20, ticks: 1 },
    ]),
    node(5, 'outer', [], 'file:///app/dist/lib.js', 9, [{ line: 12, ticks: 1 }]),
    node(6, '(idle)'),
    node(7, '(garbage collector)'),
  ],
  // 2x outer (node 3), 4x inner, 1x outer under inner (node 5), 3x idle, 1x GC
  samples: [3, 3, 4, 4, 4, 4, 5, 6, 6, 6, 7],
};

describe('bench profile: summarizeProfile', () => {
  test('counts self and inclusive samples per function, recursion once per sample, idle apart', async () => {
    const { summarizeProfile } = (await import(moduleUrl)) as { summarizeProfile: Summarize };
    const s = summarizeProfile(profile, ['inner', 'outer', 'absent']);
    assert.equal(s.samples, 11);
    assert.equal(s.idle, 3);
    assert.equal(s.seconds, 2);
    assert.deepEqual(s.self, [
      { frame: 'inner dist/lib.js:20', samples: 4 },
      { frame: 'outer dist/lib.js:10', samples: 3 },
      { frame: '(garbage collector)', samples: 1 },
    ]);
    assert.deepEqual(s.inclusive, [
      { frame: 'main dist/main.js:1', samples: 7 },
      { frame: 'outer dist/lib.js:10', samples: 7 },
      { frame: 'inner dist/lib.js:20', samples: 5 },
      { frame: '(garbage collector)', samples: 1 },
    ]);
    assert.deepEqual(s.lines.get('inner'), [
      { line: 20, samples: 1 },
      { line: 21, samples: 3 },
    ]);
    assert.deepEqual(s.lines.get('outer'), [{ line: 12, samples: 3 }]);
    assert.deepEqual(s.lines.get('absent'), []);
  });
});
