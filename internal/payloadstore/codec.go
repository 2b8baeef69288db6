package payloadstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

// Codec serves Temporal's remote codec protocol so that the Web UI (and
// `temporal --codec-endpoint`) shows stored payloads instead of claims:
//
//	POST PREFIX/decode  {"payloads":[...]}: claims are replaced by the stored payloads
//	POST PREFIX/encode  {"payloads":[...]}: returned unchanged (nothing to encode)
//
// Payloads that are not claims pass through. The Web UI calls it from the
// browser, so the UI's origin must be in AllowOrigins (CORS); preflight
// requests carry no credentials and are answered without Auth.
type Codec struct {
	// Drivers resolve claims by the driver name written in them.
	Drivers []converter.StorageDriver
	// AllowOrigins are the browser origins allowed to call (the Web UI's,
	// e.g. http://127.0.0.1:8233); "*" allows any. Empty: none.
	AllowOrigins []string
	// Auth checks a request (its body included); nil accepts all.
	Auth func(r *http.Request, body []byte) error
	// MaxBody bounds a request body. Default 4 MiB.
	MaxBody int64
	// Timeout bounds the retrieval of one request. Default 30s.
	Timeout time.Duration
	// Codecs are applied after retrieval on decode, and on encode (the
	// payload encryption, internal/payloadcrypt), as the SDK applies
	// them under the payload store: payloads are encrypted before they
	// are offloaded.
	Codecs []converter.PayloadCodec
}

// Paths under the codec's prefix; Temporal clients append them to the
// configured endpoint (TEMPORAL_CODEC_ENDPOINT=http://host:port/codec).
const (
	CodecPrefix = "/codec"
	DecodePath  = CodecPrefix + "/decode"
	EncodePath  = CodecPrefix + "/encode"
)

// Register adds the codec's routes to mux.
func (c *Codec) Register(mux *http.ServeMux) {
	mux.Handle(DecodePath, c.handler(c.decode))
	mux.Handle(EncodePath, c.handler(func(_ context.Context, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
		var err error
		for i := len(c.Codecs) - 1; i >= 0 && err == nil; i-- {
			p, err = c.Codecs[i].Encode(p)
		}
		return p, err
	}))
}

type codecFunc func(context.Context, []*commonpb.Payload) ([]*commonpb.Payload, error)

func (c *Codec) handler(fn codecFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.cors(w, r)
		switch r.Method {
		case http.MethodOptions:
			w.WriteHeader(http.StatusNoContent)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "POST, OPTIONS")
			codecError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		limit := c.MaxBody
		if limit <= 0 {
			limit = 4 << 20
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			codecError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is not readable or larger than %d bytes", limit))
			return
		}
		if c.Auth != nil {
			if err := c.Auth(r, body); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="cordon"`)
				codecError(w, http.StatusUnauthorized, err.Error())
				return
			}
		}
		var in commonpb.Payloads
		if err := protojson.Unmarshal(body, &in); err != nil {
			codecError(w, http.StatusBadRequest, "body is not {\"payloads\": [...]}: "+err.Error())
			return
		}
		timeout := c.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		out, err := fn(ctx, in.Payloads)
		if err != nil {
			status := http.StatusBadGateway
			if errors.Is(err, ErrBadClaim) {
				status = http.StatusBadRequest
			}
			codecError(w, status, err.Error())
			return
		}
		data, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
		if err != nil {
			codecError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	})
}

func (c *Codec) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	if !slices.Contains(c.AllowOrigins, "*") && !slices.Contains(c.AllowOrigins, strings.TrimSuffix(origin, "/")) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization, Caller-Type, Client-Name, Client-Version")
	h.Set("Access-Control-Max-Age", "600")
	h.Add("Vary", "Origin")
}

// decode replaces each claim by the payload it names.
func (c *Codec) decode(ctx context.Context, payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		out[i] = p
		ref, ok := reference(p)
		if !ok {
			continue
		}
		var driver converter.StorageDriver
		for _, d := range c.Drivers {
			if d.Name() == ref.GetDriverName() {
				driver = d
			}
		}
		if driver == nil {
			return nil, fmt.Errorf("%w: no driver %q is configured here", ErrBadClaim, ref.GetDriverName())
		}
		got, err := driver.Retrieve(converter.StorageDriverRetrieveContext{Context: ctx},
			[]converter.StorageDriverClaim{{ClaimData: ref.GetClaimData()}})
		if err != nil {
			return nil, err
		}
		out[i] = got[0]
	}
	var err error
	for _, codec := range c.Codecs {
		if out, err = codec.Decode(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// referenceType is the message type the SDK writes into a claim payload.
var referenceType = string((*sdkpb.ExternalStorageReference)(nil).ProtoReflect().Descriptor().FullName())

// reference decodes a claim payload (the SDK's ExternalStorageReference).
func reference(p *commonpb.Payload) (*sdkpb.ExternalStorageReference, bool) {
	md := p.GetMetadata()
	if string(md[converter.MetadataEncoding]) != converter.MetadataEncodingProtoJSON ||
		string(md[converter.MetadataMessageType]) != referenceType {
		return nil, false
	}
	var ref sdkpb.ExternalStorageReference
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(p.GetData(), &ref); err != nil {
		return nil, false
	}
	return &ref, true
}

// IsClaim reports whether p is a claim (a payload kept in the store).
func IsClaim(p *commonpb.Payload) bool {
	_, ok := reference(p)
	return ok
}

// ClaimOf returns the driver name and claim a claim payload holds.
func ClaimOf(p *commonpb.Payload) (string, converter.StorageDriverClaim, bool) {
	ref, ok := reference(p)
	if !ok {
		return "", converter.StorageDriverClaim{}, false
	}
	return ref.GetDriverName(), converter.StorageDriverClaim{ClaimData: ref.GetClaimData()}, true
}

func codecError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
