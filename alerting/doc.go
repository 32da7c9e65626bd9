// Package alerting evaluates alert rules over streampipe's metrics and
// fires hooks.
//
// # Rules
//
// A [Rule] watches one standard metric of the telemetry table (by its
// OpenTelemetry name, with optional label matchers) or one named signal
// built from several metrics (see [Signals]), reduces it with an
// aggregation (the current value, a maximum, minimum or average over a
// window, a rate, an increase, a ratio or a histogram quantile such as
// p95), and compares the result with a threshold. Each group of series
// (by default one per pipeline, stage, tier or path, as the metric has
// them) is its own alert instance with its own state. A group's series
// are added, except those of a machine-wide gauge or a ratio, of which
// the largest counts.
//
// Every rule compiles to one expression tree that the engine evaluates
// and that also renders as PromQL ([Rule.PromQL]), so the Prometheus rules
// and Grafana thresholds exported by package alerting/export compute
// exactly what the engine computes. Every aggregation of that PromQL keeps
// Prometheus' target labels (instance, job; [TargetLabels]), so that a
// Prometheus scraping several streampipe processes judges each apart.
//
// # States
//
// An instance moves inactive -> pending -> firing -> resolved -> inactive:
// pending while the condition holds for less than the rule's For (a rule
// with For 0 fires at once), firing once it has held that long, resolved
// on the first evaluation where it no longer holds (or has no data), and
// inactive one evaluation later. Every transition is logged
// ([EventStateChanged]) and counted (streampipe.alert.transitions).
//
// # Evaluation
//
// The [Engine] collects the metrics through a [Source]
// (telemetry.Telemetry) every interval, keeps a ring of snapshots as long
// as the longest window (of the rules that use one), and computes
// windowed rates, ratios and quantiles from the differences between the
// newest snapshot and the one at the start of the window. Quantiles
// interpolate within buckets as Prometheus' histogram_quantile does.
// A windowed value needs two snapshots at least half an interval apart;
// until then there is no data. The ring holds at most 256 snapshots,
// the newest 128 one interval apart and older ones thinned, so memory
// stays bounded whatever the window (at most [MaxWindow]); docs/alerts.md
// describes the approximation.
//
// Evaluation ends when the context given to [Engine.Start] ends: a
// process that begins to stop cancels it, so that what its pipelines do
// while they drain (queues emptying) resolves or fires nothing.
//
// # Hooks
//
// Firing and resolved notifications go to the rule's hooks: log, webhook
// (an HTTP POST of the [Notification] JSON) or exec (a command reading the
// same JSON on its standard input). Each hook has its own goroutine and a
// bounded queue, so a slow or failing hook never holds up the evaluation
// or the pipelines; what it cannot deliver is logged and counted
// (streampipe.alert.notifications). An exec hook's program is looked up
// when the engine is built ([New]), not when the alert first fires.
//
// An Engine is safe for concurrent use.
package alerting
