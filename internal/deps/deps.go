//go:build deps

// Package deps pins modules that packages under construction will import,
// so that concurrent work does not race on go.mod. Remove once unused.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/dustin/go-humanize"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/gorilla/websocket"
	_ "github.com/hashicorp/hcl/v2"
	_ "github.com/hashicorp/hcl/v2/hclsyntax"
	_ "github.com/hashicorp/hcl/v2/hclwrite"
	_ "github.com/urfave/cli/v3"
	_ "github.com/zclconf/go-cty/cty"
	_ "github.com/zclconf/go-cty/cty/function/stdlib"
	_ "go.uber.org/goleak"
	_ "golang.org/x/image/draw"
	_ "golang.org/x/image/font/basicfont"
	_ "golang.org/x/sync/errgroup"
)
