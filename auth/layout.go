package auth

// Keys of the a/ prefix; the table is in the package doc.

func userKey(login string) []byte         { return []byte("a/u/" + login) }
func userIDKey(id string) []byte          { return []byte("a/i/" + id) }
func accessKey(access string) []byte      { return []byte("a/k/" + access) }
func userKeysPrefix(userID string) []byte { return []byte("a/ku/" + userID + "/") }
func userKeyIndex(userID, access string) []byte {
	return []byte("a/ku/" + userID + "/" + access)
}
func tokenKey(id string) []byte             { return []byte("a/t/" + id) }
func userTokensPrefix(userID string) []byte { return []byte("a/tu/" + userID + "/") }
func userTokenIndex(userID, id string) []byte {
	return []byte("a/tu/" + userID + "/" + id)
}
func userOptionsKey(userID string) []byte   { return []byte("a/o/u/" + userID) }
func groupOptionsKey(groupID string) []byte { return []byte("a/o/g/" + groupID) }

var (
	usersPrefix  = []byte("a/u/")
	keysPrefix   = []byte("a/k/")
	tokensPrefix = []byte("a/t/")
)
