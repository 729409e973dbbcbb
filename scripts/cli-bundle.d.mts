import type { BuildOptions } from 'esbuild';

export function cliBundleOptions(outdir: string, extra?: BuildOptions): BuildOptions;
export function cliEntryOptions(outdir: string, extra?: BuildOptions): BuildOptions;
export function buildCli(outdir: string, extra?: BuildOptions): Promise<string>;
