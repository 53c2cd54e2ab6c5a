// SPDX-License-Identifier: Apache-2.0
// What the per-await task-switch hook costs in Node (docs/runtimes.md): ns
// per `await` of an async function, (1) with no hook, (2) inside an
// AsyncLocalStorage whose store names a record, with async_hooks
// before/after that read it and do nothing else, (3) the same hooks calling
// the addon to swap the record in and out (swap_addon.c). Warm-up, then the
// median of several runs; one line per case, "CASE NS".
// Usage: node await_cost.js ADDON.node
'use strict';
const { AsyncLocalStorage, createHook } = require('node:async_hooks');

const addon = require(process.argv[2]);
const AWAITS = 200000;
const WARM_UP_RUNS = 3;
const RUNS = 7;

async function awaits() {
  for (let i = 0; i < AWAITS; i++) await null;
}

async function medianNs() {
  for (let i = 0; i < WARM_UP_RUNS; i++) await awaits();
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await awaits();
    runs.push(Number(process.hrtime.bigint() - start) / AWAITS);
  }
  return runs.sort((a, b) => a - b)[RUNS >> 1];
}

async function withHooks(als, onBefore, onAfter) {
  const hook = createHook({ before: onBefore, after: onAfter }).enable();
  const ns = await als.run({ record: 1 }, medianNs);
  hook.disable();
  return ns;
}

async function main() {
  const als = new AsyncLocalStorage();
  const results = [['no-hook', await medianNs()]];
  let seen = 0;
  let swapped = 0;
  results.push(['hooks-only', await withHooks(als, () => { seen += als.getStore()?.record ?? 0; },
                                             () => {})]);
  results.push(['hooks-and-swap', await withHooks(als, () => {
    const store = als.getStore();
    if (store !== undefined) {
      addon.attach(store.record);
      swapped++;
    }
  }, () => addon.restore())]);
  if (seen === 0 || swapped === 0)
    throw new Error('before() never saw the store: the hooks measured nothing');
  for (const [name, ns] of results) console.log(`${name} ${ns.toFixed(1)}`);
}

main();
