import type { QuickJSContext, QuickJSHandle, QuickJSSyncVariant, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { defaults } from '../config/defaults.ts';
import { depthRefusal } from '../ingest/json-depth.ts';

/** Hard limits of one transformation call. */
export interface SandboxLimits {
  /** CPU time of one call, compile included; the engine is interrupted past it. */
  timeoutMs: number;
  /** Heap of one call; allocation past it fails inside the sandbox with `out of memory`. */
  memoryBytes: number;
}

export type SandboxResult =
  | { ok: true; value: unknown }
  | { ok: false; error: string; kind: 'syntax' | 'thrown' | 'timeout' | 'memory' | 'result' };

/** What the engine's WebAssembly memory holds before any call: its static data and stack. */
const BASE_BYTES = 16 * 1024 * 1024;
const PAGE = 65_536;

const engines = new Map<number, Promise<QuickJSWASMModule>>();

/**
 * The QuickJS engine (WebAssembly), compiled once per process and memory limit.
 * Its memory is capped at the base plus `memoryBytes`: QuickJS's own limit
 * counts allocations, and in this build misses large blocks (measured: arrays
 * of numbers grew the engine to 2 GiB under a 16 MiB limit), while a capped
 * WebAssembly memory cannot grow past its maximum whatever the engine counts, so
 * a bomb gets `out of memory` at the cap and the process never holds more.
 * Calls are synchronous, so one call at a time has the whole cap.
 *
 * The first run after compiling is many times slower than the next ones (the
 * WebAssembly tiers up), so a representative script runs here once: a user's
 * first call must not spend its CPU budget on our start-up.
 */
export function loadEngine(memoryBytes: number): Promise<QuickJSWASMModule> {
  const pages = Math.ceil((BASE_BYTES + memoryBytes) / PAGE);
  let engine = engines.get(pages);
  if (!engine) {
    const memory = new WebAssembly.Memory({ initial: BASE_BYTES / PAGE, maximum: pages });
    // Loaded on first use, so a gateway without transformations never loads the engine.
    engine = Promise.all([import('quickjs-emscripten-core'), import('@jitl/quickjs-wasmfile-release-sync')])
      .then(async ([core, releaseSync]) => {
        // The package's types describe its CommonJS build; imported as ESM, the variant is the default export.
        const variant = (releaseSync as unknown as { default: QuickJSSyncVariant }).default;
        return core.newQuickJSWASMModuleFromVariant(core.newVariant(variant, { wasmMemory: memory }));
      })
      .then((module) => {
        const runtime = module.newRuntime();
        const context = runtime.newContext();
        for (let i = 0; i < 20; i++) context.evalCode(WARM_UP).dispose();
        context.dispose();
        runtime.dispose();
        return module;
      });
    engines.set(pages, engine);
  }
  return engine;
}

const WARM_UP = `(function (w) {
  const o = JSON.parse(JSON.stringify({ a: [1, 2, { b: 'c' }], d: 'e'.repeat(10) }));
  try { if (o.a.map((x) => x).filter(Boolean).length !== 3) throw new Error('x') } catch (e) { String(e) }
  class K { constructor(v) { this.v = v } get w() { return this.v } }
  return Object.entries({ ...o, k: new K(1).w, s: 'abc'.replace(/b/g, 'B').split('').join('-') });
})()`;

/**
 * Runs `code` — a function expression `(webhook) => …`, or a script defining
 * `function handler(webhook)` (Svix's form) — on `input` (plain JSON data) in a
 * fresh QuickJS runtime of its own, and returns what the function returned (as
 * JSON data). The runtime has only the language's built-ins: no `require`,
 * `process`, `fetch`, timers, module loader or host function of ours, so
 * nothing but JSON text crosses the boundary. Each call gets a new runtime:
 * nothing one message leaves behind is seen by the next, and a call that blew
 * its limits takes its heap with it. Never throws.
 */
export async function runInSandbox(code: string, input: unknown, limits: SandboxLimits): Promise<SandboxResult> {
  let module: QuickJSWASMModule;
  try {
    module = await loadEngine(limits.memoryBytes);
  } catch (err) {
    engines.delete(Math.ceil((BASE_BYTES + limits.memoryBytes) / PAGE));
    return { ok: false, kind: 'result', error: `the transformation engine could not start: ${(err as Error).message}` };
  }
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  // Small enough that QuickJS reports a stack overflow itself: past about 512 KiB the host's own
  // stack overflows first, inside the engine, and leaves the runtime unusable.
  runtime.setMaxStackSize(STACK_BYTES);
  const budget = cpuBudget(limits.timeoutMs);
  runtime.setInterruptHandler(budget.exceeded);
  const context = runtime.newContext();
  const handles: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle): QuickJSHandle => {
    handles.push(h);
    return h;
  };
  try {
    const compiled = context.evalCode(code, 'transformation.js', { type: 'global' });
    if (compiled.error) return failure(context, keep(compiled.error), budget, 'syntax');
    let fn = keep(compiled.value);
    if (context.typeof(fn) !== 'function') fn = keep(context.getProp(context.global, 'handler'));
    if (context.typeof(fn) !== 'function') {
      return {
        ok: false,
        kind: 'syntax',
        error: 'the code must be a function `(webhook) => webhook` or define `function handler(webhook)`',
      };
    }
    const json = keep(context.getProp(context.global, 'JSON'));
    const text = keep(context.newString(JSON.stringify(input)));
    const parsed = context.callFunction(keep(context.getProp(json, 'parse')), json, text);
    if (parsed.error) return failure(context, keep(parsed.error), budget, 'thrown');
    const called = context.callFunction(fn, context.undefined, keep(parsed.value));
    if (called.error) return failure(context, keep(called.error), budget, 'thrown');
    const returned = keep(called.value);
    if (context.typeof(returned) === 'object' && context.typeof(keep(context.getProp(returned, 'then'))) === 'function') {
      return { ok: false, kind: 'result', error: 'the transformation returned a promise; it must return the webhook itself (no async)' };
    }
    const out = context.callFunction(keep(context.getProp(json, 'stringify')), json, returned);
    if (out.error) return failure(context, keep(out.error), budget, 'result');
    const outText = keep(out.value);
    if (context.typeof(outText) !== 'string')
      return { ok: false, kind: 'result', error: 'the transformation returned nothing; return the webhook (or set cancel)' };
    const result = context.getString(outText);
    // Deeper values would overflow the serializer's stack on our side (the check of what changed, the body sent).
    if (depthRefusal(result, defaults.maxNestingDepthCeiling)) {
      return {
        ok: false,
        kind: 'result',
        error: `the transformation returned a webhook nested deeper than ${defaults.maxNestingDepthCeiling} levels`,
      };
    }
    return { ok: true, value: JSON.parse(result) };
  } catch (err) {
    // The engine itself refused (out of memory while building a value on our side of the call).
    return { ok: false, kind: 'memory', error: `the transformation exceeded its limits: ${(err as Error).message}` };
  } finally {
    try {
      for (const h of handles.reverse()) if (h.alive) h.dispose();
      context.dispose();
      runtime.dispose();
    } catch (err) {
      // An engine that aborted is unusable; the next call compiles a new one rather than fail for ever.
      engines.delete(Math.ceil((BASE_BYTES + limits.memoryBytes) / PAGE));
      onEngineLost?.(err as Error);
    }
  }
}

const STACK_BYTES = 128 * 1024;

/** Who hears that the engine had to be replaced (the gateway logs it). */
let onEngineLost: ((err: Error) => void) | undefined;
export function whenEngineLost(listener: (err: Error) => void): void {
  onEngineLost = listener;
}

interface CpuBudget {
  exceeded: () => boolean;
  /** The call was interrupted by this budget (not by anything else). */
  fired: boolean;
}

/**
 * Interrupts a call once the process has spent `ms` of CPU time since it
 * started, so a loaded machine does not cut a short transformation off the way
 * a wall-clock deadline would. A wall-clock backstop (twenty times the budget,
 * at least a second) still stops a call that the CPU clock somehow misses.
 */
function cpuBudget(ms: number): CpuBudget {
  const start = process.cpuUsage();
  const wallLimit = Date.now() + Math.max(20 * ms, 1000);
  const budget: CpuBudget = {
    fired: false,
    exceeded: () => {
      const used = process.cpuUsage(start);
      if ((used.user + used.system) / 1000 <= ms && Date.now() <= wallLimit) return false;
      budget.fired = true;
      return true;
    },
  };
  return budget;
}

function failure(context: QuickJSContext, error: QuickJSHandle, budget: CpuBudget, kind: 'syntax' | 'thrown' | 'result'): SandboxResult {
  const dumped = context.dump(error) as { name?: string; message?: string; stack?: string } | string | null;
  const name = typeof dumped === 'object' && dumped !== null ? dumped.name : undefined;
  const message = typeof dumped === 'object' && dumped !== null ? (dumped.message ?? String(dumped)) : String(dumped);
  if (name === 'InternalError' && message === 'interrupted' && budget.fired) {
    return { ok: false, kind: 'timeout', error: 'the transformation ran past its CPU time limit' };
  }
  if (name === 'InternalError' && /out of memory|stack overflow/.test(message)) {
    return { ok: false, kind: 'memory', error: `the transformation exceeded its memory limit (${message})` };
  }
  const where = typeof dumped === 'object' && dumped?.stack ? ` ${firstFrame(dumped.stack)}` : '';
  if (kind === 'syntax') return { ok: false, kind, error: `the transformation does not compile: ${name ?? 'Error'}: ${message}${where}` };
  if (kind === 'result') return { ok: false, kind, error: `the transformation's result is not JSON data: ${message}` };
  return { ok: false, kind, error: `the transformation threw ${name ?? 'an error'}: ${message}${where}` };
}

function firstFrame(stack: string): string {
  const line = stack
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('at '));
  return line ? `(${line})` : '';
}
