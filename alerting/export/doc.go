// Package export turns a configuration's pipelines and alert rules into
// files for the monitoring tools people already run: Prometheus alerting
// rules ([WritePrometheusRules]) and a Grafana dashboard
// ([WriteGrafana]). Both name metrics exactly as streampipe's Prometheus
// endpoint exposes them (telemetry.Instrument.PrometheusName), and the
// rules' expressions are the ones the in-process engine evaluates
// (alerting.Rule.PromQL), with windows too short for the scrape interval
// widened ([Widen]).
package export
