/**
 * The Node.js major Ringfence is built, tested and shipped on: `engines` in package.json,
 * the `node-linux-*` binaries npm installs for its scripts, and the Docker image all say
 * the same (docs/adr/0016-node-24-runtime.md). Node 20 reached end of life on 2026-04-30.
 */
export const NODE_MAJOR = 24;

/** Why this process must not run on `version` (a `process.versions.node`), or undefined when it may. */
export function unsupportedNode(version: string): string | undefined {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (major >= NODE_MAJOR) return undefined;
  return (
    `Node.js ${version} is not supported: Ringfence runs on Node.js ${NODE_MAJOR} or later. ` +
    `Start it through npm (npm start, npm run <command>), whose scripts run the Node ${NODE_MAJOR} that npm ci installs, or on your own Node ${NODE_MAJOR}+`
  );
}
