# Small conveniences; `go build` and `go test` remain the real interface.

GO ?= go
PLUGINS := grayscale overlay

.PHONY: plugins proto

# Build the example plugins to where examples/plugins.hcl finds them.
plugins:
	@mkdir -p examples/plugins/bin
	@for p in $(PLUGINS); do \
		echo "go build -o examples/plugins/bin/$$p ./examples/plugins/$$p"; \
		$(GO) build -o examples/plugins/bin/$$p ./examples/plugins/$$p || exit 1; \
	done

# Regenerate the plugin protocol's Go code (needs protoc, protoc-gen-go and
# protoc-gen-go-grpc; see docs/plugins.md).
proto:
	$(GO) generate ./plugins/proto
