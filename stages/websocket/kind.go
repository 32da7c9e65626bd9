package websocket

import (
	"errors"

	"github.com/streampipe/streampipe/pipeline"
)

// Kind is the "websocket" sink kind.
var Kind = pipeline.Kind{
	Family:  pipeline.FamilySink,
	Name:    "websocket",
	Summary: "Serve the stream to WebSocket clients, each at the quality tier it picks.",
	Doc: `Serves every frame that reaches the sink to WebSocket clients ` +
		`connecting to ws://LISTEN/PATH?quality=TIER, as binary batches ` +
		`described in docs/protocol.md. Each batch is encoded once and ` +
		`shared by all clients of its tier; every client has a bounded ` +
		`send queue, and slow_client decides what happens when it is full. ` +
		`With viewer = true, "/" serves a page that plays the stream.`,
	Stability: pipeline.StabilityAlpha,
	Spec:      spec,
	Check:     check,
	New:       factory,
}

var spec = pipeline.Spec{Attrs: []pipeline.Attr{
	{
		Name:      "listen",
		Type:      pipeline.TypeString,
		Doc:       `TCP address to listen on, host:port. Use 0.0.0.0:PORT to accept clients from other machines.`,
		Default:   DefaultListen,
		Exclusive: pipeline.ResourceListen,
	},
	{
		Name:    "path",
		Type:    pipeline.TypeString,
		Doc:     `URL path of the stream endpoint. It may not be "/" or "/viewer.js" while the viewer is on.`,
		Default: DefaultPath,
	},
	{
		Name: "allowed_origins",
		Type: pipeline.TypeStringList,
		Doc: `Browser origins (exact scheme://host:port) allowed to connect besides the sink's own; ` +
			`others are closed with 1008. "*" allows every origin and logs a warning at start.`,
		Default: []string{},
	},
	{
		Name:    "max_clients",
		Type:    pipeline.TypeInt,
		Doc:     `Most clients connected at once; one more is closed with 1013 (try again later).`,
		Default: DefaultMaxClients,
		Range:   "[1,]",
	},
	{
		Name: "send_queue",
		Type: pipeline.TypeInt,
		Doc: `Batches queued per client. Memory per client is at most this many batches, ` +
			`shared with the other clients of its tier.`,
		Default: DefaultSendQueue,
		Range:   "[1,4096]",
	},
	{
		Name: "slow_client",
		Type: pipeline.TypeString,
		Doc: `When a client's queue is full: "drop_oldest" discards its oldest batch ` +
			`(counted as slow_client drops), "close" closes it with code 4000.`,
		Default: string(DefaultSlowClient),
		OneOf:   []string{string(DropOldest), string(CloseSlow)},
	},
	{
		Name: "write_timeout",
		Type: pipeline.TypeDuration,
		Doc: `Longest a write to one client may take; a slower one closes the client (code 4001). ` +
			`To keep writes cheap the deadline is renewed only once half of it is used, so a ` +
			`stuck client is closed after between half and all of write_timeout.`,
		Default: DefaultWriteTimeout,
		Range:   "(0,]",
	},
	{
		Name: "ping_interval",
		Type: pipeline.TypeDuration,
		Doc: `How often each client is pinged. A client silent for ping_interval + ` +
			`write_timeout is closed (code 4002).`,
		Default: DefaultPingInterval,
		Range:   "(0,]",
	},
	{
		Name:    "max_message_size",
		Type:    pipeline.TypeSize,
		Doc:     `Largest message accepted from a client; a larger one closes it with 1009.`,
		Default: int64(DefaultMaxMessageSize),
		Range:   "[128,1048576]",
	},
	{
		Name:    "viewer",
		Type:    pipeline.TypeBool,
		Doc:     `Serve the built-in viewer page at "/".`,
		Default: true,
	},
}}

// check is the Kind's Check: the listen address, the stream path and the
// origins, reported at their attribute's place in the file. New checks
// them again, for programs that build Options themselves.
func check(c *pipeline.Config) error {
	var errs []error
	if err := checkListen(c.String("listen")); err != nil {
		errs = append(errs, c.Errorf("listen", "Invalid listen address",
			"%v. Write host:port, such as \"127.0.0.1:8080\" or \"0.0.0.0:8080\".", err))
	}
	if err := checkPath(c.String("path"), c.Bool("viewer")); err != nil {
		errs = append(errs, c.Errorf("path", "Invalid stream path", "%v.", err))
	}
	if _, err := parseOrigins(c.Strings("allowed_origins")); err != nil {
		errs = append(errs, c.Errorf("allowed_origins", "Invalid origin",
			"%v. An origin is what a browser sends: scheme://host[:port], such as "+
				"\"https://example.com\".", err))
	}
	return errors.Join(errs...)
}

// factory converts the decoded block into Options. Like every factory it
// touches nothing outside: the port is bound by Start.
func factory(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	o := Options{
		Listen:         c.String("listen"),
		Path:           c.String("path"),
		AllowedOrigins: c.Strings("allowed_origins"),
		MaxClients:     c.Int("max_clients"),
		SendQueue:      c.Int("send_queue"),
		SlowClient:     SlowClientPolicy(c.String("slow_client")),
		WriteTimeout:   c.Duration("write_timeout"),
		PingInterval:   c.Duration("ping_interval"),
		MaxMessageSize: c.Size("max_message_size"),
		Viewer:         c.Bool("viewer"),
	}
	s, err := New(o, env)
	if err != nil {
		return nil, c.Errorf("", "Invalid websocket sink settings", "%v.", err)
	}
	return s, nil
}
