import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { README, render } from '../src/tools/readme-tables.js';

describe('README.md', () => {
  it('has API and configuration tables that match the code (run `npm run docs` to update)', () => {
    const current = readFileSync(README, 'utf8');
    expect(render(current)).toBe(current);
  });
  it('shows the two commands a newcomer needs', () => {
    const current = readFileSync(README, 'utf8');
    expect(current).toContain('npm install && npm start');
    expect(current).toContain('npm install && npm test');
  });
});
