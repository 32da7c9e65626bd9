// Package wire is what the host (package plugins) and the SDK (package
// plugins/sdk) share about the plugin protocol: the go-plugin handshake and
// protocol versions, the go-plugin glue, and conversions between pipeline
// values and their protobuf forms.
package wire
