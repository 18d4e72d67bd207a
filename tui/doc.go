// Package tui is the terminal user interface of a call: a Bubble Tea v2
// program that is the connection slice. Its messages are store actions,
// Update applies store.Reduce and returns commands for the I/O the user asks
// for (toggles, retries, stats polling, diagnostics dumps), and View renders
// the state as a header, a peer table, a detail pane for the selected peer,
// a notification line and a footer of keys; or as the video grid (key t),
// where everyone, you included, has a tile of their own; or as the help
// panel (key ?), which lists every key, explains every column and gives
// the quality thresholds.
//
// Update and View never block and never touch the Engine: every Engine call
// runs inside a tea.Cmd, captured with the values it needs before the
// closure is built, and reports back with a message Update applies.
package tui
