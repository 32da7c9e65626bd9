// Package bridge lets package sdktest reach the SDK's unexported gRPC
// service without making it part of the SDK's public API.
package bridge

import "log/slog"

// NewServer is set by package sdk's init to a function returning the
// proto.StageServer for an sdk.Plugin whose answers stay under maxMsg
// bytes.
var NewServer func(p any, logger *slog.Logger, maxMsg int) any
