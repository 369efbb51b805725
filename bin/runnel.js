#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npx runnel` works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
