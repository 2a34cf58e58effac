package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unimq/unimq/mq"
)

// record is one received message as a JSON line (--format json).
type record struct {
	Topic       string            `json:"topic"`
	ID          string            `json:"id,omitempty"`
	Key         string            `json:"key,omitempty"`
	Tag         string            `json:"tag,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Body        string            `json:"body"`
	Base64      bool              `json:"body_base64,omitempty"` // Body is base64: the body is not valid UTF-8
	Partition   int32             `json:"partition"`
	Offset      int64             `json:"offset"`
	Attempt     int               `json:"attempt"`
	PublishTime *time.Time        `json:"publish_time,omitempty"`
	BrokerID    string            `json:"broker_id,omitempty"`
}

func toRecord(m *mq.Message) record {
	r := record{Topic: m.Topic, ID: m.ID, Key: m.Key, Tag: m.Tag, Headers: m.Headers,
		Partition: m.Partition, Offset: m.Offset, Attempt: m.Attempt, BrokerID: m.BrokerID}
	if utf8.Valid(m.Body) {
		r.Body = string(m.Body)
	} else {
		r.Body, r.Base64 = base64.StdEncoding.EncodeToString(m.Body), true
	}
	if !m.PublishTime.IsZero() {
		t := m.PublishTime
		r.PublishTime = &t
	}
	return r
}

// printer writes received messages in one format.
type printer struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
}

func newPrinter(w io.Writer, format string) (*printer, error) {
	switch format {
	case "text":
		return &printer{w: w}, nil
	case "json":
		return &printer{w: w, json: true, enc: json.NewEncoder(w)}, nil
	}
	return nil, usagef("--format %q: want text or json", format)
}

// print writes m: a JSON line, or a text line
// "partition/offset key=K tag=T id=I attempt=N h:k=v ... | body" with a
// non-UTF-8 body quoted as a Go string.
func (p *printer) print(m *mq.Message) error {
	if p.json {
		return p.enc.Encode(toRecord(m))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d", m.Partition, m.Offset)
	for _, f := range [][2]string{{"key", m.Key}, {"tag", m.Tag}, {"id", m.ID}} {
		if f[1] != "" {
			fmt.Fprintf(&b, " %s=%s", f[0], strconv.Quote(f[1]))
		}
	}
	fmt.Fprintf(&b, " attempt=%d", m.Attempt)
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " h:%s=%s", k, strconv.Quote(m.Headers[k]))
	}
	b.WriteString(" | ")
	if utf8.Valid(m.Body) && !strings.ContainsAny(string(m.Body), "\r\n") {
		b.Write(m.Body)
	} else {
		b.WriteString(strconv.Quote(string(m.Body)))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(p.w, b.String())
	return err
}
