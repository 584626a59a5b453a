#!/usr/bin/env node
// `pipeline-viewer server start|stop|status [--port N]`; the code is in lib/viewer-server/process/cli.js.
import '../lib/viewer-server/process/cli.js';
