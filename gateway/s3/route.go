package s3

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// subresources are the query parameters that select an operation. A
// request naming one that no route below serves is refused with
// NotImplemented, never served as the plain operation.
var subresources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "attributes": true, "cors": true, "delete": true,
	"encryption": true, "intelligent-tiering": true, "inventory": true, "legal-hold": true, "lifecycle": true,
	"location": true, "logging": true, "metrics": true, "notification": true, "object-lock": true,
	"ownershipControls": true, "policy": true, "policyStatus": true, "publicAccessBlock": true,
	"replication": true, "requestPayment": true, "restore": true, "retention": true, "select": true,
	"tagging": true, "torrent": true, "uploads": true, "versioning": true, "versions": true, "website": true,
}

// route names the S3 operation a request asks for and the function
// serving it.
func route(method, bucket, key string, query url.Values, header http.Header) (string, handlerFunc) {
	sub := ""
	for _, k := range sortedKeys(query) {
		if subresources[k] {
			sub = k
			break
		}
	}
	has := func(k string) bool { _, ok := query[k]; return ok }
	copySource := header.Get("X-Amz-Copy-Source") != ""
	switch {
	case bucket == "":
		if method == http.MethodGet && sub == "" {
			return "ListBuckets", (*Handler).listBuckets
		}
	case key == "":
		switch method + " " + sub {
		case "GET ":
			if query.Get("list-type") == "2" {
				return "ListObjectsV2", (*Handler).listObjectsV2
			}
			return "ListObjects", (*Handler).listObjects
		case "HEAD ":
			return "HeadBucket", (*Handler).headBucket
		case "PUT ":
			return "CreateBucket", (*Handler).createBucket
		case "DELETE ":
			return "DeleteBucket", (*Handler).deleteBucket
		case "GET location":
			return "GetBucketLocation", (*Handler).getBucketLocation
		case "GET versioning":
			return "GetBucketVersioning", (*Handler).getBucketVersioning
		case "PUT versioning":
			return "PutBucketVersioning", (*Handler).putBucketVersioning
		case "GET versions":
			return "ListObjectVersions", (*Handler).listObjectVersions
		case "GET uploads":
			return "ListMultipartUploads", (*Handler).listMultipartUploads
		case "GET cors":
			return "GetBucketCors", (*Handler).getBucketCors
		case "PUT cors":
			return "PutBucketCors", (*Handler).putBucketCors
		case "DELETE cors":
			return "DeleteBucketCors", (*Handler).deleteBucketCors
		case "POST delete":
			return "DeleteObjects", (*Handler).deleteObjects
		}
	default:
		switch method + " " + sub {
		case "GET ":
			if has("uploadId") {
				return "ListParts", (*Handler).listParts
			}
			return "GetObject", (*Handler).getObject
		case "HEAD ":
			return "HeadObject", (*Handler).headObject
		case "PUT ":
			switch {
			case has("uploadId") && copySource:
				return "UploadPartCopy", (*Handler).uploadPartCopy
			case has("uploadId"):
				return "UploadPart", (*Handler).uploadPart
			case copySource:
				return "CopyObject", (*Handler).copyObject
			}
			return "PutObject", (*Handler).putObject
		case "DELETE ":
			if has("uploadId") {
				return "AbortMultipartUpload", (*Handler).abortMultipartUpload
			}
			return "DeleteObject", (*Handler).deleteObject
		case "POST uploads":
			return "CreateMultipartUpload", (*Handler).createMultipartUpload
		case "POST ":
			if has("uploadId") {
				return "CompleteMultipartUpload", (*Handler).completeMultipartUpload
			}
		case "GET tagging":
			return "GetObjectTagging", (*Handler).getObjectTagging
		case "PUT tagging":
			return "PutObjectTagging", (*Handler).putObjectTagging
		case "DELETE tagging":
			return "DeleteObjectTagging", (*Handler).deleteObjectTagging
		}
	}
	what := strings.TrimSpace(method + " " + sub)
	return "NotImplemented", func(*Handler, *request) error { return notImplemented(what) }
}

func sortedKeys(v url.Values) []string {
	ks := make([]string, 0, len(v))
	for k := range v {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
