#!/usr/bin/env node
// `pipeline-viewer server start|stop|status [--port N]` (lib/viewer-server/process/cli.js) and
// `pipeline-viewer worker --redis URL` (lib/runtime/cluster/worker-cli.js: the worker runs
// pipeline wells, so it lives in the runtime room, not in the viewer server's).
if (process.argv[2] === 'worker') await import('../lib/runtime/cluster/worker-cli.js');
else await import('../lib/viewer-server/process/cli.js');
