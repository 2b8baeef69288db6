package payloadcrypt

import (
	"crypto/rand"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// BenchmarkCodec seals and opens one payload the size of a typical step
// output (a 100-user bulk result, about 16 KiB) and of the payload store's
// threshold (256 KiB).
func BenchmarkCodec(b *testing.B) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		b.Fatal(err)
	}
	c, err := New([]Key{{ID: "bench", Bytes: k}})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"16KiB", 16 << 10}, {"256KiB", 256 << 10}} {
		p, err := converter.GetDefaultDataConverter().ToPayload(strings.Repeat("x", size.n))
		if err != nil {
			b.Fatal(err)
		}
		in := []*commonpb.Payload{p}
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(size.n))
			for b.Loop() {
				enc, err := c.Encode(in)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
