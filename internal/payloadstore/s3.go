package payloadstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// S3Driver stores payloads as objects PREFIX/sha256/<hash> in one bucket
// of an S3-compatible service (AWS S3, MinIO). The bucket and prefix come
// from the configuration, not from the claim, so a claim sent to the codec
// endpoint cannot name another bucket; keep both unchanged for as long as
// the namespace retains histories.
type S3Driver struct {
	client *s3.Client
	bucket string
	prefix string
}

// NewS3Driver builds the driver. Credentials are the configured keys when
// set, else the AWS SDK's default chain (environment, shared config, IAM
// role); nothing is contacted until the first store or retrieve.
func NewS3Driver(c S3Config) (*S3Driver, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.region())}
	if c.AccessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, c.Session)))
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: s3: %v", ErrBadConfig, err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.PathStyle
		// Checksums only where S3 requires them: MinIO and other
		// S3-compatible stores do not all accept the newer trailers.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &S3Driver{client: client, bucket: c.Bucket, prefix: c.prefix()}, nil
}

func (c S3Config) prefix() string {
	if c.Prefix == "" {
		return DefaultS3Prefix
	}
	if !strings.HasSuffix(c.Prefix, "/") {
		return c.Prefix + "/"
	}
	return c.Prefix
}

func (c S3Config) region() string {
	if c.Region == "" {
		return DefaultS3Region
	}
	return c.Region
}

// Name implements converter.StorageDriver.
func (d *S3Driver) Name() string { return S3DriverName }

// Type implements converter.StorageDriver.
func (d *S3Driver) Type() string { return KindS3 }

func (d *S3Driver) key(sum string) string { return d.prefix + "sha256/" + sum }

// Store puts each payload; a repeated put of the same payload rewrites the
// same object and refreshes its Last-Modified, which bucket lifecycle rules
// go by.
func (d *S3Driver) Store(ctx converter.StorageDriverStoreContext, payloads []*commonpb.Payload) ([]converter.StorageDriverClaim, error) {
	return storeEach(ctx, payloads, func(sum string, data []byte) error {
		_, err := d.client.PutObject(ctx.Context, &s3.PutObjectInput{
			Bucket: aws.String(d.bucket), Key: aws.String(d.key(sum)),
			Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
			ContentType: aws.String("application/x-protobuf"),
		})
		if err != nil {
			return fmt.Errorf("s3 put %s/%s: %w", d.bucket, d.key(sum), err)
		}
		return nil
	})
}

// Retrieve gets each claimed object and checks it against its hash.
func (d *S3Driver) Retrieve(ctx converter.StorageDriverRetrieveContext, claims []converter.StorageDriverClaim) ([]*commonpb.Payload, error) {
	return retrieveEach(ctx, claims, func(sum string) ([]byte, error) {
		res, err := d.client.GetObject(ctx.Context, &s3.GetObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(d.key(sum))})
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("stored payload s3://%s/%s is gone (expired by a lifecycle rule?): %w", d.bucket, d.key(sum), err)
		} else if err != nil {
			return nil, fmt.Errorf("s3 get %s/%s: %w", d.bucket, d.key(sum), err)
		}
		defer res.Body.Close()
		data, err := io.ReadAll(res.Body)
		if err != nil {
			return nil, fmt.Errorf("s3 get %s/%s: %w", d.bucket, d.key(sum), err)
		}
		return data, nil
	})
}
