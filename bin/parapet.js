#!/usr/bin/env node
// The `parapet` command (`npx parapet`): runs the TypeScript CLI through tsx's loader, so no build
// step is needed. Node.js >= 20.6 (module.register).
import { register } from 'tsx/esm/api';

register();
const { runFromProcess } = await import('../src/cli/main.ts');
await runFromProcess();
