package s3

import (
	"context"
	"net/http"

	"coffre/auth"
	"coffre/auth/sigv4"
	"coffre/gateway"
	"coffre/storage"
)

// Keys returns the owner of an access key, as seen from an origin, and the
// key's secret; auth.Service.SecretKey is one.
type Keys func(ctx context.Context, accessKey string, o auth.Origin) (storage.Principal, string, error)

// caller carries, through the context of one verification, the principal
// that the verifier's secret lookup found.
type caller struct {
	origin auth.Origin
	p      storage.Principal
}

type callerKey struct{}

// newVerifier returns a SigV4 verifier asking keys for secrets and keeping
// the key's owner in the request's caller slot.
func newVerifier(keys Keys, o sigv4.Options) *sigv4.Verifier {
	return sigv4.New(func(ctx context.Context, access string) (string, error) {
		c, _ := ctx.Value(callerKey{}).(*caller)
		if c == nil {
			return "", storage.Errorf("s3 auth", storage.Unauthenticated, "", "no caller")
		}
		p, secret, err := keys(ctx, access, c.origin)
		if err != nil {
			return "", err
		}
		c.p = p
		return secret, nil
	}, o)
}

// authenticate verifies r's signature and returns its principal and
// payload.
func (h *Handler) authenticate(r *http.Request) (storage.Principal, sigv4.Result, error) {
	c := &caller{origin: auth.Origin{IP: r.RemoteAddr, UserAgent: r.UserAgent(), Protocol: "s3"}}
	res, err := h.verifier.Verify(context.WithValue(r.Context(), callerKey{}, c), r)
	if err != nil {
		return storage.Principal{}, sigv4.Result{}, err
	}
	p := c.p
	p.IP, p.UserAgent, p.Protocol = clientIP(r.RemoteAddr), r.UserAgent(), "s3"
	p.RequestID = gateway.RequestID(r.Context())
	return p, res, nil
}
