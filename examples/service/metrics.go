package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// metrics writes the metrics in the Prometheus text format. A production
// service would use go.opentelemetry.io/otel/exporters/prometheus; this
// keeps the example's dependencies to the OpenTelemetry SDK. Names follow
// the exporter's translation: dots become underscores, seconds get
// "_seconds", counters "_total".
func (s *service) metrics(w http.ResponseWriter, r *http.Request) {
	var rm metricdata.ResourceMetrics
	if err := s.reader.Collect(r.Context(), &rm); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			writeMetric(w, m)
		}
	}
}

func promName(m metricdata.Metrics) string {
	n := strings.NewReplacer(".", "_", "-", "_").Replace(m.Name)
	if m.Unit == "s" {
		n += "_seconds"
	}
	return n
}

func writeMetric(w io.Writer, m metricdata.Metrics) {
	name := promName(m)
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		typ, suffix := "gauge", ""
		if d.IsMonotonic {
			typ, suffix = "counter", "_total"
		}
		fmt.Fprintf(w, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, m.Description, name, suffix, typ)
		for _, p := range d.DataPoints {
			fmt.Fprintf(w, "%s%s%s %d\n", name, suffix, labels(p.Attributes, ""), p.Value)
		}
	case metricdata.Histogram[float64]:
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, m.Description, name)
		for _, p := range d.DataPoints {
			var cum uint64
			for i, b := range p.Bounds {
				cum += p.BucketCounts[i]
				fmt.Fprintf(w, "%s_bucket%s %d\n", name, labels(p.Attributes, strconv.FormatFloat(b, 'g', -1, 64)), cum)
			}
			fmt.Fprintf(w, "%s_bucket%s %d\n", name, labels(p.Attributes, "+Inf"), p.Count)
			fmt.Fprintf(w, "%s_sum%s %g\n%s_count%s %d\n", name, labels(p.Attributes, ""), p.Sum, name, labels(p.Attributes, ""), p.Count)
		}
	}
}

// labels renders a point's attributes (and le, for a bucket) as labels.
func labels(set attribute.Set, le string) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		k := strings.NewReplacer(".", "_", "-", "_").Replace(string(kv.Key))
		parts = append(parts, fmt.Sprintf("%s=%q", k, kv.Value.String()))
	}
	if le != "" {
		parts = append(parts, fmt.Sprintf("le=%q", le))
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}
