// Package tests holds streampipe's end-to-end tests: they build the real
// binary, start it on real configuration files and talk to it as users and
// their programs do (WebSocket clients, a browser, signals).
package tests
