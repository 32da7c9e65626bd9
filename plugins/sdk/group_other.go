//go:build !linux

package sdk

// Outside Linux the host does not give plugins a process group of their
// own, so there is no group for the plugin to take along.
// TODO: process groups and a parent-death watcher on BSD and macOS.
