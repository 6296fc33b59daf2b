'use strict';

// Seed 2: a tmux server started from inside a terminal survives destroy() and killSession() of
// that terminal, and its socket is still there OUTLIVE_MS later (the same case runs in
// macos.test.js on a Mac). tmux is installed by .ci/run and by the CI workflow.

const { hasTmux, tmuxServersAfterTheirTerminalsEnd, expectSurvivors, OUTLIVE_MS } = require('./tmux-server');

const title = `a tmux server started in a terminal outlives destroy() and killSession() of it, socket and all, ${OUTLIVE_MS / 1000} s later`;

if (hasTmux()) {
  test(title, async () => {
    expectSurvivors(await tmuxServersAfterTheirTerminalsEnd(), expect);
  }, 60000);
} else {
  // .ci/run installs tmux; a machine without it says so rather than passing quietly.
  test.skip(`${title} [skipped: tmux is not installed (.ci/run installs it)]`, () => {});
}
