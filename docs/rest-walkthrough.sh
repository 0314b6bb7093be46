#!/usr/bin/env bash
# A walk through Coffre's REST API (/api/...), run against a real server.
#
#   COFFRE_URL=http://127.0.0.1:8080 COFFRE_USER=admin COFFRE_PASSWORD=... \
#       bash docs/rest-walkthrough.sh
#
# Read it as documentation: each step prints a heading, makes one call with
# curl and checks the answer with jq. When the server does not answer as
# written here, the script stops with the step, what was expected and the
# answer it got. It needs curl, jq and an administrator's account (it
# creates a second user and reads the audit log). It works in a new folder
# with a random name, so it can run again on the same server, and removes
# that folder and that user at the end. docs/rest.md explains the API's
# conventions.
set -euo pipefail

COFFRE_URL=${COFFRE_URL:-http://127.0.0.1:8080}
: "${COFFRE_USER:?set COFFRE_USER to an administrator's login}"
: "${COFFRE_PASSWORD:?set COFFRE_PASSWORD to that administrator's password}"
for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "this walkthrough needs $tool" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
body=$tmp/body       # the body of the last answer
headers=$tmp/headers # its headers, when a step asks for them
suffix=$(printf '%04x%04x' "$RANDOM" "$RANDOM")

# Every curl below starts with these options: quiet but for transport errors,
# the body into $body, and the HTTP status printed, which the step keeps in
# $status.
answer=(--silent --show-error --output "$body" --write-out '%{http_code}')

step() {
	current=$1
	printf '\n== %s\n' "$1"
}

fail() {
	echo "FAILED in step \"$current\": $*" >&2
	if [[ -s $body ]]; then
		echo "the answer was:" >&2
		head -c 2000 "$body" >&2
		echo >&2
	fi
	exit 1
}

# expect STATUS: the status of the last answer must be STATUS.
expect() {
	[[ $status == "$1" ]] || fail "expected HTTP $1, got $status"
}

# check FILTER WHAT [jq options]: the jq FILTER must be true of the last
# answer, which is WHAT the documentation promises.
check() {
	local filter=$1 what=$2
	shift 2
	jq --exit-status "$@" "$filter" "$body" >/dev/null 2>&1 || fail "$what (jq: $filter)"
}

# show [jq options] FILTER: print part of the last answer for the reader.
show() { jq "$@" "$body" | sed 's/^/   /'; }

# header NAME: a header of the last answer saved with --dump-header.
header() { sed -n "s/^$1: *//Ip" "$headers" | tr -d '\r'; }

md5() { md5sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------------------
step "Log in: POST /api/auth {user, password} answers {token, expires}"
status=$(curl "${answer[@]}" \
	--request POST \
	--header 'Content-Type: application/json' \
	--data "$(jq -n --arg u "$COFFRE_USER" --arg p "$COFFRE_PASSWORD" '{user: $u, password: $p}')" \
	"$COFFRE_URL/api/auth")
expect 200
check '(.token | length) > 20 and (.expires | test("^[0-9]{4}-"))' "the answer carries a token and its expiry"
token=$(jq -r .token "$body")
# Every other call sends the token as a bearer token.
bearer="Authorization: Bearer $token"
show -c '{expires}'

step "Account: GET /api/account describes who the token belongs to"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/account")
expect 200
check '.login == $u and .role == 1 and .can_admin' "the account is $COFFRE_USER, an administrator (role 1)" --arg u "$COFFRE_USER"
admin_id=$(jq -r .id "$body")
show -c '{id, login, role, language, current_language, quota}'

step "Create a root folder: POST /api/folder {name, parent_id: 0} answers 201 Folder"
root_name=walkthrough-$suffix
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"name\": \"$root_name\", \"parent_id\": 0}" \
	"$COFFRE_URL/api/folder")
expect 201
check '.name == $n and .parent_id == 0 and .id > 0 and .can_write' "a root folder named $root_name" --arg n "$root_name"
root_id=$(jq .id "$body")
show -c '{id, guid, name, parent_id, owner}'

step "Create a subfolder: parent_id is the root folder's id"
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"name\": \"reports\", \"parent_id\": $root_id}" \
	"$COFFRE_URL/api/folder")
expect 201
check '.name == "reports" and .parent_id == $p' "a subfolder of $root_id" --argjson p "$root_id"
sub_id=$(jq .id "$body")
show -c '{id, name, parent_id}'

step "Errors: 422 names the invalid fields; Accept-Language: en answers in English"
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Accept-Language: en' \
	--header 'Content-Type: application/json' \
	--data "{\"name\": \"a/b\", \"parent_id\": $root_id}" \
	"$COFFRE_URL/api/folder")
expect 422
check '.message == "The data sent is invalid." and (.errors.name | length) == 1' "a 422 with an error on the field name, in English"
show -c .

# ---------------------------------------------------------------------------
step "Upload a file: multipart POST /api/file/upload (folderId before targetFile) answers 201 File"
printf 'Minutes of the first meeting.\nDraft 1.\n' >"$tmp/notes.txt"
v1_md5=$(md5 "$tmp/notes.txt")
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	--form "folderId=$root_id" \
	--form "fileHash=$v1_md5" \
	--form "targetFile=@$tmp/notes.txt" \
	"$COFFRE_URL/api/file/upload")
expect 201
check '.name == "notes.txt" and .parent_id == $p and .hash == $h and .size == 39' \
	"the File notes.txt in the root folder, with the MD5 sent (checked by the server)" --argjson p "$root_id" --arg h "$v1_md5"
file_id=$(jq .id "$body")
v1_id=$(jq .version_id "$body")
show -c '{id, name, size, hash, version_id}'

step "Upload it again: the same name in the same folder is a new version (200)"
printf 'Minutes of the first meeting.\nDraft 2, with the decisions.\n' >"$tmp/notes.txt"
v2_md5=$(md5 "$tmp/notes.txt")
v2_text=$(cat "$tmp/notes.txt")
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	--form "folderId=$root_id" \
	--form "targetFile=@$tmp/notes.txt" \
	"$COFFRE_URL/api/file/upload")
expect 200
check '.id == $id and .version_id != $v1 and .hash == $h' "the same file id, a new version_id and the new content's MD5" \
	--argjson id "$file_id" --argjson v1 "$v1_id" --arg h "$v2_md5"

step "full=1 adds the full-mode fields: GET /api/file/{id}?full=1 shows nb_versions"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/file/$file_id?full=1")
expect 200
check '.nb_versions == 2 and .path == "/\($r)/"' "two versions, and the ids of the folders above" --argjson r "$root_id"
show -c '{id, name, nb_versions, path}'

step "List the folder: GET /api/folder/{id}?depth=1 adds its content"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/folder/$root_id?depth=1")
expect 200
check '(.content.folders | map(.name)) == ["reports"] and (.content.files | map(.name)) == ["notes.txt"]' \
	"the content lists the subfolder and the file"
check '.content.folders[0].content == null' "depth=1 gives one level only"
show -c '{name, folders: [.content.folders[].name], files: [.content.files[] | {name, size}]}'

# ---------------------------------------------------------------------------
step "Download a range: GET /api/file/{id}/download with Range answers 206"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	--header 'Range: bytes=0-6' \
	"$COFFRE_URL/api/file/$file_id/download")
expect 206
[[ $(cat "$body") == Minutes ]] || fail "bytes 0 to 6 should be \"Minutes\""
echo "   bytes 0-6: $(cat "$body")"

step "One-shot download token: POST /api/token/file/{id}/download answers {token}"
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	"$COFFRE_URL/api/token/file/$file_id/download")
expect 200
check '(.token | length) > 20' "a token"
dl_token=$(jq -r .token "$body")

step "The token downloads the file without the bearer token (a link for a browser)"
status=$(curl "${answer[@]}" \
	"$COFFRE_URL/api/file/download?token=$dl_token")
expect 200
[[ $(cat "$body") == "$v2_text" ]] || fail "the token should download the current version"
echo "   $(head -c 40 "$body" | tr '\n' ' ')..."

step "The token is spent: using it again is a 404"
status=$(curl "${answer[@]}" \
	"$COFFRE_URL/api/file/download?token=$dl_token")
expect 404
check '.message | length > 0' "an error message (French by default)"
show -c .

# ---------------------------------------------------------------------------
step "Rename the file: PUT /api/file/{id} {name}"
status=$(curl "${answer[@]}" \
	--request PUT \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data '{"name": "minutes.txt"}' \
	"$COFFRE_URL/api/file/$file_id")
expect 200
check '.id == $id and .name == "minutes.txt"' "the same id under the new name" --argjson id "$file_id"

step "Move it: PUT /api/file/{id} {parent_id}"
status=$(curl "${answer[@]}" \
	--request PUT \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"parent_id\": $sub_id}" \
	"$COFFRE_URL/api/file/$file_id")
expect 200
check '.id == $id and .parent_id == $s' "the same id, now in the subfolder" --argjson id "$file_id" --argjson s "$sub_id"
show -c '{id, name, parent_id}'

# ---------------------------------------------------------------------------
step "Lock it: PUT /api/lock/{id} {timeout} answers the Lock"
status=$(curl "${answer[@]}" \
	--request PUT \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data '{"timeout": 600}' \
	"$COFFRE_URL/api/lock/$file_id")
expect 200
check '.locked and .owner_id == $a and (.token | length) > 0' "a lock held by $COFFRE_USER, with its token (shown to its holder only)" --arg a "$admin_id"
show -c '{locked, owner, writeable, readable, expires}'

step "Create a second user: POST /api/user (administrators and managers) answers 201 User"
bob_login=bob-$suffix
bob_password=walk-$suffix-$RANDOM$RANDOM
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "$(jq -n --arg l "$bob_login" --arg p "$bob_password" \
		'{login: $l, password: $p, firstname: "Bob", lastname: "Walker", language: "en", role: 3}')" \
	"$COFFRE_URL/api/user")
expect 201
check '.login == $l and .role == 3 and .roots == []' "a user (role 3) who sees no folder yet" --arg l "$bob_login"
bob_id=$(jq -r .id "$body")
show -c '{id, login, firstname, lastname, role, roots}'

step "Log in as the second user"
status=$(curl "${answer[@]}" \
	--request POST \
	--header 'Content-Type: application/json' \
	--data "$(jq -n --arg u "$bob_login" --arg p "$bob_password" '{user: $u, password: $p}')" \
	"$COFFRE_URL/api/auth")
expect 200
bob_bearer="Authorization: Bearer $(jq -r .token "$body")"

step "What they may not see does not exist for them: GET /api/file/{id} is a 404"
status=$(curl "${answer[@]}" \
	--header "$bob_bearer" \
	"$COFFRE_URL/api/file/$file_id")
expect 404

step "Grant them rights on the root folder: POST /api/right answers 201 Right"
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"folder_id\": $root_id, \"target_id\": \"$bob_id\",
		\"browse\": true, \"read\": true, \"download\": true, \"write\": true, \"edit\": true}" \
	"$COFFRE_URL/api/right")
expect 201
check '.folder_id == $r and .target_id == $b and .edit and (.delete | not)' "the entry, with the rights sent and no others" \
	--argjson r "$root_id" --arg b "$bob_id"
show -c '{id, folder_id, target, browse, read, download, write, edit, delete, share}'

step "The file is locked by someone else: their upload of a new version is a 423"
printf 'Bob was here.\n' >"$tmp/bob.txt"
status=$(curl "${answer[@]}" \
	--header "$bob_bearer" \
	--form "folderId=$sub_id" \
	--form "targetFile=@$tmp/bob.txt;filename=minutes.txt" \
	"$COFFRE_URL/api/file/upload")
expect 423
check '.message == "The item is locked by another user."' "the lock message, in English (the user's language is en)"
show -c '{message}'

step "Unlock: DELETE /api/lock/{id} answers 204"
status=$(curl "${answer[@]}" \
	--request DELETE \
	--header "$bearer" \
	"$COFFRE_URL/api/lock/$file_id")
expect 204

step "Now their upload goes through: a third version, by the second user"
status=$(curl "${answer[@]}" \
	--header "$bob_bearer" \
	--form "folderId=$sub_id" \
	--form "targetFile=@$tmp/bob.txt;filename=minutes.txt" \
	"$COFFRE_URL/api/file/upload")
expect 200
check '.id == $id and .lock == null' "the same file, unlocked" --argjson id "$file_id"

# ---------------------------------------------------------------------------
step "Chunked upload: three chunks of one file, in any order, with a report"
dd if=/dev/urandom of="$tmp/big.bin" bs=1024 count=160 status=none
big_md5=$(md5 "$tmp/big.bin")
chunk_size=65536
(cd "$tmp" && split --bytes=$chunk_size --numeric-suffixes --suffix-length=1 big.bin chunk.)
echo "   big.bin: 163840 bytes in chunks $(cd "$tmp" && echo chunk.*)"

# send_chunk N: one chunk (0-based) of big.bin. fileSize and chunks identify
# the upload; chunksSize lets the server check each chunk's length.
send_chunk() {
	status=$(curl "${answer[@]}" \
		--header "$bearer" \
		--form "folderId=$sub_id" \
		--form "name=big.bin" \
		--form "fileSize=163840" \
		--form "fileHash=$big_md5" \
		--form "chunks=3" \
		--form "chunksSize=$chunk_size" \
		--form "chunk=$1" \
		--form "targetFile=@$tmp/chunk.$1" \
		"$COFFRE_URL/api/file/upload")
}

step "Chunk 0: stored, others missing: \"OK\""
send_chunk 0
expect 200
[[ $(cat "$body") == OK ]] || fail "a chunk stored while others are missing answers OK"

step "Chunk 2, the last index: the answer reports the lowest missing chunk"
send_chunk 2
expect 200
check '. == [{"missing": 1}]' "[{\"missing\": 1}]"
show -c .

step "The report alone (report=1, no file part) says where to resume"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	--form "folderId=$sub_id" \
	--form "name=big.bin" \
	--form "fileSize=163840" \
	--form "chunks=3" \
	--form "report=1" \
	"$COFFRE_URL/api/file/upload")
expect 200
check '. == [{"missing": 1}]' "[{\"missing\": 1}]"

step "Chunk 1 completes the upload: 201 File, its MD5 that of the whole file"
send_chunk 1
expect 201
check '.name == "big.bin" and .size == 163840 and .hash == $h' "the whole file" --arg h "$big_md5"
show -c '{id, name, size, hash}'

# ---------------------------------------------------------------------------
step "TUS: POST /api/file/tus {name, target, size} starts a session: 201 {sessionKey}"
dd if=/dev/urandom of="$tmp/tus.bin" bs=1024 count=100 status=none
tus_md5=$(md5 "$tmp/tus.bin")
(cd "$tmp" && split --bytes=61440 --numeric-suffixes --suffix-length=1 tus.bin tus.)
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"name\": \"tus.bin\", \"target\": $sub_id, \"size\": 102400}" \
	"$COFFRE_URL/api/file/tus")
expect 201
check '(.sessionKey | length) > 0' "a session key"
session=$(jq -r .sessionKey "$body")

step "POST /api/tus (TUS creation): Upload-Metadata carries the session key as token"
status=$(curl "${answer[@]}" \
	--dump-header "$headers" \
	--request POST \
	--header "$bearer" \
	--header 'Tus-Resumable: 1.0.0' \
	--header 'Upload-Length: 102400' \
	--header "Upload-Metadata: token $(jq -rn --arg k "$session" '$k | @base64')" \
	"$COFFRE_URL/api/tus")
expect 201
location=$(header Location)
[[ $location == "/api/tus/$session" ]] || fail "Location should be /api/tus/$session, is \"$location\""
echo "   Location: $location"

step "PATCH the first 61440 bytes from offset 0: 204, Upload-Offset is the new offset"
status=$(curl "${answer[@]}" \
	--dump-header "$headers" \
	--request PATCH \
	--header "$bearer" \
	--header 'Tus-Resumable: 1.0.0' \
	--header 'Upload-Offset: 0' \
	--header 'Content-Type: application/offset+octet-stream' \
	--data-binary "@$tmp/tus.0" \
	"$COFFRE_URL$location")
expect 204
[[ $(header Upload-Offset) == 61440 ]] || fail "Upload-Offset should be 61440"

step "HEAD says where to resume after a cut"
status=$(curl "${answer[@]}" \
	--dump-header "$headers" \
	--head \
	--header "$bearer" \
	--header 'Tus-Resumable: 1.0.0' \
	"$COFFRE_URL$location")
expect 200
[[ $(header Upload-Offset) == 61440 && $(header Upload-Length) == 102400 ]] || fail "HEAD should say offset 61440 of 102400"
echo "   Upload-Offset: $(header Upload-Offset) of $(header Upload-Length)"

step "PATCH the rest"
status=$(curl "${answer[@]}" \
	--dump-header "$headers" \
	--request PATCH \
	--header "$bearer" \
	--header 'Tus-Resumable: 1.0.0' \
	--header 'Upload-Offset: 61440' \
	--header 'Content-Type: application/offset+octet-stream' \
	--data-binary "@$tmp/tus.1" \
	"$COFFRE_URL$location")
expect 204
[[ $(header Upload-Offset) == 102400 ]] || fail "Upload-Offset should be 102400"

step "Finish: POST /api/file/tus {token: sessionKey} answers 201 File"
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"token\": \"$session\"}" \
	"$COFFRE_URL/api/file/tus")
expect 201
check '.name == "tus.bin" and .size == 102400 and .hash == $h and .parent_id == $s' "the whole file in the subfolder" \
	--arg h "$tus_md5" --argjson s "$sub_id"
show -c '{id, name, size, hash}'

# ---------------------------------------------------------------------------
step "Versions: GET /api/file/{id}/versions lists them, newest first"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/file/$file_id/versions")
expect 200
check 'length == 3 and .[2].version_id == $v1 and .[2].hash == $h and .[0].owner_id == $b' \
	"three versions: the oldest is the first upload, the newest the second user's" \
	--argjson v1 "$v1_id" --arg h "$v1_md5" --arg b "$bob_id"
show -c '.[] | {version_id, size, hash, owner}'

step "Restore the oldest: POST /api/file/{id}/versions/{version_id}/restore"
status=$(curl "${answer[@]}" \
	--request POST \
	--header "$bearer" \
	"$COFFRE_URL/api/file/$file_id/versions/$v1_id/restore")
expect 200
check '.id == $id and .hash == $h and .version_id != $v1' "the first content again, as a new version" \
	--argjson id "$file_id" --arg h "$v1_md5" --argjson v1 "$v1_id"

# ---------------------------------------------------------------------------
step "Delete to the trash: DELETE /api/file/{id} answers \"OK\""
status=$(curl "${answer[@]}" \
	--request DELETE \
	--header "$bearer" \
	"$COFFRE_URL/api/file/$file_id")
expect 200
[[ $(cat "$body") == OK ]] || fail "the answer should be OK"

step "List the trash: GET /api/trashes answers {folders, files}"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/trashes")
expect 200
check '[.files[] | select(.node_id == $id)] | length == 1' "the file is in the trash" --argjson id "$file_id"
trash_id=$(jq --argjson id "$file_id" '.files[] | select(.node_id == $id) | .id' "$body")
show -c --argjson id "$file_id" '.files[] | select(.node_id == $id) | {id, name, path, deletion, owner}'

step "Restore it: PUT /api/trash/{id} puts it back where it was, with its id"
status=$(curl "${answer[@]}" \
	--request PUT \
	--header "$bearer" \
	"$COFFRE_URL/api/trash/$trash_id")
expect 200
check '.id == $id and .parent_id == $s and .name == "minutes.txt"' "the same file in the subfolder" \
	--argjson id "$file_id" --argjson s "$sub_id"

# ---------------------------------------------------------------------------
step "Quotas: GET /api/quotas?folder={id} answers {platform, user, folder}"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/quotas?folder=$root_id")
expect 200
check '.folder.folder == $r and .folder.quota == null and .folder.used >= 163840 + 102400' \
	"the folder's usage, with no quota" --argjson r "$root_id"
used=$(jq .folder.used "$body")
show -c .

step "An administrator sets a quota on the folder: PUT /api/folder/{id} {quota}"
status=$(curl "${answer[@]}" \
	--request PUT \
	--header "$bearer" \
	--header 'Content-Type: application/json' \
	--data "{\"quota\": $((used + 1024))}" \
	"$COFFRE_URL/api/folder/$root_id")
expect 200

step "An upload beyond the quota is a 507, and nothing is stored"
dd if=/dev/urandom of="$tmp/too-big.bin" bs=1024 count=4 status=none
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	--form "folderId=$root_id" \
	--form "targetFile=@$tmp/too-big.bin" \
	"$COFFRE_URL/api/file/upload")
expect 507
show -c .

# ---------------------------------------------------------------------------
step "Audit log: GET /api/logs (administrators), newest first, filtered by object_id"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/logs?object_id=$file_id&limit=50")
expect 200
check '.nb_total_objects >= 5 and ([.objects[].type] | index("upload") and index("download") and index("lock"))' \
	"the file's uploads, downloads and lock are recorded"
check '[.objects[] | select(.type == "upload" and .user_id == $b)] | length >= 1' \
	"the second user's upload is recorded under their ID" --arg b "$bob_id"
show -r '.objects[] | "\(.date)  \(.protocol)  \(.type)  \(.user)  \(.statut)"'

# ---------------------------------------------------------------------------
step "Tidy up: delete the second user (204) and the scratch folder for good (trash=0, 204)"
status=$(curl "${answer[@]}" \
	--request DELETE \
	--header "$bearer" \
	"$COFFRE_URL/api/user/$bob_id")
expect 204
status=$(curl "${answer[@]}" \
	--request DELETE \
	--header "$bearer" \
	"$COFFRE_URL/api/folder/$root_id?trash=0")
expect 204

step "Log out: DELETE /api/auth answers 204"
status=$(curl "${answer[@]}" \
	--request DELETE \
	--header "$bearer" \
	"$COFFRE_URL/api/auth")
expect 204

step "The token no longer works: 401"
status=$(curl "${answer[@]}" \
	--header "$bearer" \
	"$COFFRE_URL/api/account")
expect 401
show -c .

printf '\nThe walkthrough ran to the end: %s answers as documented.\n' "$COFFRE_URL"
