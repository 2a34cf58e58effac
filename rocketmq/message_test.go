package rocketmq

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
)

// Every field that becomes a RocketMQ property is refused when it could
// inject or rewrite a property, or would not arrive byte-exact.
func TestMessageFieldsRefused(t *testing.T) {
	for name, dm := range map[string]*driver.Message{
		"id injects TRAN_MSG":          {ID: "x\x02TRAN_MSG\x01true"},
		"id rewrites the tag":          {ID: "x\x02TAGS\x01evil"},
		"id with a lone \\x01":         {ID: "a\x01b"},
		"key injects DELAY":            {Key: "k\x02DELAY\x013"},
		"key with a space":             {Key: "order 42"},
		"key invalid UTF-8":            {Key: "k\xff"},
		"id invalid UTF-8":             {ID: "\xc3\x28"},
		"tag invalid UTF-8":            {Tag: "t\xfe"},
		"tag injects":                  {Tag: "a\x02KEYS\x01b"},
		"header name with newline":     {Headers: map[string]string{"a\nb": "v"}},
		"header name with \\x02":       {Headers: map[string]string{"a\x02DELAY": "3"}},
		"header name with DEL":         {Headers: map[string]string{"a\x7fb": "v"}},
		"header name invalid UTF-8":    {Headers: map[string]string{"h\xff": "v"}},
		"header name empty":            {Headers: map[string]string{"": "v"}},
		"header value injects":         {Headers: map[string]string{"h": "v\x02DELAY\x013"}},
		"header value invalid UTF-8":   {Headers: map[string]string{"h": "\xed\xa0\x80"}},
		"header named like a property": {Headers: map[string]string{"TRAN_MSG": "true"}},
	} {
		err := checkMessage("publish", dm)
		require.Error(t, err, name)
		require.True(t, errors.Is(err, driver.ErrInvalidArgument), "%s: %v", name, err)
	}
	// What stays allowed: UTF-8 text with spaces and newlines in values,
	// spaces in header names, tags and ids; any bytes in the body.
	ok := &driver.Message{ID: "id with space", Key: "clé-42", Tag: "Tag A",
		Headers: map[string]string{"x-trace id": "line1\nline2", "ünï": "çödé"}, Body: []byte{0xff, 0x00, 0x01, 0x02, 0xfe}}
	require.NoError(t, checkMessage("publish", ok))
}

// FuzzPropertyEncoding: for any message fields, either checkMessage refuses
// the message, or what unimq sends decodes (with the client's own property
// decoder, the one its consumers use) to exactly the properties unimq set,
// and fromExt gives back the same fields byte-exact: no field can inject,
// drop or rewrite a property.
func FuzzPropertyEncoding(f *testing.F) {
	f.Add("id-1", "order-1", "TagA", "trace", "abc", []byte("body"))
	f.Add("x\x02TRAN_MSG\x01true", "k\x02DELAY\x013", "TagA", "a\nb", "v", []byte{0xff})
	f.Add("x\x02TAGS\x01evil", "k", "", "h", "", []byte{})
	f.Add("", "k k", "t|u", "KEYS", "x", []byte(nil))
	f.Add("\xff", "\xc3\x28", "\xfe", "h\xff", "\xed\xa0\x80", []byte("\xff\xfe"))
	f.Add("id", "", "", "UNIMQ_EMPTY_HEADERS", "a", []byte{0})
	f.Fuzz(func(t *testing.T, id, key, tag, hname, hval string, body []byte) {
		dm := &driver.Message{ID: id, Key: key, Tag: tag, Body: body, Partition: -1,
			Headers: map[string]string{hname: hval}}
		if err := checkMessage("publish", dm); err != nil {
			require.True(t, errors.Is(err, driver.ErrInvalidArgument), "%v", err)
			return
		}
		// The oracle of what may pass: no separator and valid UTF-8 in
		// every field, no space in the key.
		for _, s := range []string{id, key, tag, hname, hval} {
			require.False(t, strings.ContainsAny(s, "\x01\x02"), "a separator passed the check: %q", s)
		}
		require.NotContains(t, key, " ")

		pm := toPrimitive("t", dm)
		sent := pm.GetProperties()
		wire := pm.MarshallProperties()
		decoded := primitive.NewMessage("t", nil)
		decoded.UnmarshalProperties([]byte(wire))
		require.Equal(t, sent, decoded.GetProperties(), "the property encoding round trip changed the properties")
		for k, v := range decoded.GetProperties() {
			require.True(t, k != "" && v != "", "empty property %q=%q (the broker drops it)", k, v)
		}

		me := &primitive.MessageExt{MsgId: "M"}
		me.Topic = "t"
		me.Body = pm.Body
		me.WithProperties(decoded.GetProperties())
		got := fromExt(me, "")
		if id != "" {
			require.Equal(t, id, got.ID)
		}
		require.Equal(t, key, got.Key)
		require.Equal(t, tag, got.Tag)
		require.Equal(t, map[string]string{hname: hval}, got.Headers)
		require.Equal(t, len(body) == 0, len(got.Body) == 0)
		if len(body) > 0 {
			require.Equal(t, body, got.Body, "the body is carried byte-exact")
		}
	})
}
