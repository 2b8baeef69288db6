package okta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "00SECRET-token-for-tests-9f3"

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600))
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "cordon names", env: map[string]string{EnvOrgURL: "https://acme.okta.com", EnvAPIToken: secret},
			want: Config{OrgURL: "https://acme.okta.com", Token: secret, AuthScheme: SchemeSSWS, APIVersion: "v1"}},
		{name: "okta sdk names", env: map[string]string{EnvSDKOrgURL: "https://acme.okta.com", EnvSDKToken: secret},
			want: Config{OrgURL: "https://acme.okta.com", Token: secret, AuthScheme: SchemeSSWS, APIVersion: "v1"}},
		{name: "token file and bearer", env: map[string]string{EnvOrgURL: "https://acme.okta.com", EnvAPITokenFile: tokenFile, EnvAuthScheme: "Bearer"},
			want: Config{OrgURL: "https://acme.okta.com", Token: secret, AuthScheme: SchemeBearer, APIVersion: "v1"}},
		{name: "loopback http allowed", env: map[string]string{EnvOrgURL: "http://127.0.0.1:8089", EnvAPIToken: secret},
			want: Config{OrgURL: "http://127.0.0.1:8089", Token: secret, AuthScheme: SchemeSSWS, APIVersion: "v1"}},
		{name: "insecure http allowed", env: map[string]string{EnvOrgURL: "http://okta.internal", EnvAPIToken: secret, EnvInsecure: "true", EnvAPIVersion: "v2"},
			want: Config{OrgURL: "http://okta.internal", Token: secret, AuthScheme: SchemeSSWS, APIVersion: "v2", Insecure: true}},
		{name: "remote http refused", env: map[string]string{EnvOrgURL: "http://acme.okta.com", EnvAPIToken: secret}, wantErr: "must use https"},
		{name: "missing token", env: map[string]string{EnvOrgURL: "https://acme.okta.com"}, wantErr: "must be set"},
		{name: "bad scheme", env: map[string]string{EnvOrgURL: "https://acme.okta.com", EnvAPIToken: secret, EnvAuthScheme: "Basic"}, wantErr: "auth scheme"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.NotContains(t, err.Error(), secret)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.OrgURL, cfg.OrgURL)
			assert.Equal(t, tc.want.Token, cfg.Token)
			assert.Equal(t, tc.want.AuthScheme, cfg.AuthScheme)
			assert.Equal(t, tc.want.APIVersion, cfg.APIVersion)
			assert.Equal(t, tc.want.Insecure, cfg.Insecure)
			assert.Equal(t, DefaultMaxInFlight, cfg.MaxInFlight)
		})
	}
}

func TestConfigRedactsToken(t *testing.T) {
	t.Parallel()
	cfg := Config{OrgURL: "https://acme.okta.com", Token: secret}.withDefaults()
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	j, err := json.Marshal(cfg)
	require.NoError(t, err)
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"%s": fmt.Sprintf("%s", cfg), "pointer": fmt.Sprintf("%v %+v", &cfg, &cfg), "String": cfg.String(),
		"slog": logs.String(), "json": string(j),
	} {
		assert.NotContains(t, s, secret, name)
		assert.Contains(t, s, "acme.okta.com", name)
	}
}

func TestConfigRateReserve(t *testing.T) {
	t.Parallel()
	base := map[string]string{EnvOrgURL: "https://acme.okta.com", EnvAPIToken: secret}
	for _, tc := range []struct {
		value   string
		want    float64
		wantErr string
	}{
		{"", DefaultRateReserve, ""},
		{"10%", 0.10, ""},
		{"0.25", 0.25, ""},
		{" 5 % ", 0.05, ""},
		{"0", -1, ""},
		{"0%", -1, ""},
		{"100%", 0, `okta: OKTA_RATE_RESERVE="100%": want a share of each window such as 10% or 0.1, from 0 up to 100% exclusive`},
		{"-0.1", 0, "want a share of each window"},
		{"lots", 0, "want a share of each window"},
		{"NaN", 0, "want a share of each window"},
	} {
		env := map[string]string{EnvRateReserve: tc.value}
		for k, v := range base {
			env[k] = v
		}
		cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
		if tc.wantErr != "" {
			assert.ErrorContains(t, err, tc.wantErr, tc.value)
			continue
		}
		require.NoError(t, err, tc.value)
		assert.InDelta(t, tc.want, cfg.RateReserve, 1e-9, tc.value)
	}
}
