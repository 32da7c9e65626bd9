// Package proto holds the generated gRPC code of the streampipe plugin
// protocol, version 1 (stage.proto). Plugin authors do not use it directly:
// the SDK in package sdk speaks it for them.
//
// The generated files are committed. After changing stage.proto, run
//
//	go generate ./plugins/proto
//
// (or `make proto` at the repository root), which needs protoc,
// protoc-gen-go and protoc-gen-go-grpc on PATH; docs/plugins.md says which
// versions.
package proto

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative stage.proto
