package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// text is a message in French (the default) and English.
type text struct{ fr, en string }

func (t text) in(lang string) string {
	if lang == "en" {
		return t.en
	}
	return t.fr
}

// language is "en" when Accept-Language weighs English above French
// (RFC 9110 §12.5.4), else "fr".
func language(header string) string {
	best, lang := 0.0, "fr"
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		w := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			var err error
			if w, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (primary == "fr" || primary == "en") && w > best {
			best, lang = w, primary
		}
	}
	return lang
}

// Messages of failures.
var (
	msgUnknown          = text{"Ce lien n'existe pas. Vérifiez l'adresse reçue, ou demandez un nouveau lien à la personne qui vous l'a envoyé.", "This link does not exist. Check the address you received, or ask its sender for a new link."}
	msgExpired          = text{"Ce lien a expiré : son contenu n'est plus disponible. Demandez un nouveau lien à la personne qui vous l'a envoyé.", "This link has expired: its content is no longer available. Ask its sender for a new link."}
	msgExhausted        = text{"Ce lien a atteint son nombre maximal de téléchargements : son contenu n'est plus disponible.", "This link's downloads are used up: its content is no longer available."}
	msgDisabled         = text{"Ce lien a été désactivé par la personne qui l'a créé.", "This link has been disabled by the person who made it."}
	msgRevoked          = text{"Ce lien ne donne plus accès à son contenu.", "This link no longer gives access to its content."}
	msgAddress          = text{"Ce lien ne peut pas être ouvert depuis votre réseau.", "This link may not be opened from your network."}
	msgConsentRequired  = text{"Acceptez d'abord les conditions de ce partage.", "Accept this share's terms first."}
	msgPasswordRequired = text{"Ce lien est protégé par un mot de passe : saisissez-le.", "This link is protected by a password: enter it."}
	msgWrongPassword    = text{"Mot de passe incorrect.", "Wrong password."}
	msgWait             = text{"Trop d'essais. Réessayez dans %s.", "Too many attempts. Try again in %s."}
	msgNotFound         = text{"Ce fichier ou ce dossier n'existe pas dans ce partage.", "No such file or folder in this share."}
	msgForbidden        = text{"Ce lien ne permet pas cette action.", "This link does not allow this."}
	msgInvalid          = text{"La demande est invalide.", "The request is invalid."}
	msgTooLargeAny      = text{"Ce fichier est trop volumineux pour ce lien.", "This file is too large for this link."}
	msgTooLarge         = text{"Ce fichier dépasse la taille maximale acceptée par ce lien (%s).", "This file exceeds the largest size this link takes (%s)."}
	msgNoSpace          = text{"L'espace de stockage est plein : le fichier n'a pas été enregistré.", "The storage is full: the file was not stored."}
	msgConflict         = text{"Un fichier porte déjà ce nom ici.", "A file already has this name here."}
	msgLocked           = text{"Ce fichier est verrouillé.", "This file is locked."}
	msgUnavailable      = text{"Le service est momentanément indisponible. Réessayez dans un instant.", "The service is unavailable for a moment. Try again shortly."}
	msgInternal         = text{"Une erreur interne est survenue.", "An internal error occurred."}
	msgCSRF             = text{"Le formulaire a expiré ou ne vient pas de cette page. Rechargez la page et recommencez.", "The form has expired or does not come from this page. Reload the page and try again."}
	msgDepositOnly      = text{"Ce lien de dépôt sert uniquement à envoyer des fichiers.", "This deposit link only takes files."}
	msgNoUpload         = text{"Ce lien ne permet pas d'envoyer des fichiers.", "This link does not take files."}
	msgNoDownload       = text{"Ce lien permet de consulter la liste des fichiers, pas de les télécharger.", "This link shows its files but does not allow downloading them."}
	msgNoFile           = text{"Joignez au moins un fichier (champ « file »).", "Attach at least one file (field \"file\")."}
	msgTooManyFiles     = text{"Au plus %d fichiers par envoi.", "At most %d files per upload."}
	msgBadUpload        = text{"Envoi illisible : attendu multipart/form-data avec des parties « file ».", "Unreadable upload: expected multipart/form-data with \"file\" parts."}
	msgBadName          = text{"Nom de fichier invalide.", "Invalid file name."}
	msgBadID            = text{"Identifiant invalide.", "Invalid ID."}
	msgNotFolder        = text{"Ce n'est pas un dossier.", "This is not a folder."}
	msgEmpty            = text{"Ce partage ne contient plus rien.", "This share holds nothing any more."}
)

// labels are the words of the pages, by key (see dictionaries).
var labels = map[string]text{
	"brand":             {"Coffre", "Coffre"},
	"share":             {"Partage", "Shared files"},
	"deposit":           {"Dépôt de fichiers", "File drop"},
	"enc_link":          {"Comment vos fichiers sont protégés", "How your files are protected"},
	"back":              {"Retour au partage", "Back to the share"},
	"consent_title":     {"Conditions du partage", "Terms of this share"},
	"consent_intro":     {"Avant d'accéder à ce partage, lisez et acceptez le texte suivant.", "Before you open this share, read and accept the following text."},
	"consent_accept":    {"J'accepte", "I accept"},
	"consent_done":      {"Vous avez déjà accepté ce texte.", "You have already accepted this text."},
	"consent_continue":  {"Continuer", "Continue"},
	"password_title":    {"Mot de passe requis", "Password required"},
	"password_intro":    {"Ce partage est protégé. Saisissez le mot de passe que vous a communiqué son expéditeur.", "This share is protected. Enter the password its sender gave you."},
	"password_label":    {"Mot de passe", "Password"},
	"password_submit":   {"Ouvrir", "Open"},
	"expires":           {"Disponible jusqu'au", "Available until"},
	"col_name":          {"Nom", "Name"},
	"col_size":          {"Taille", "Size"},
	"col_date":          {"Modifié", "Modified"},
	"col_actions":       {"Actions", "Actions"},
	"col_path":          {"Emplacement", "Location"},
	"download":          {"Télécharger", "Download"},
	"download_zip":      {"Télécharger (ZIP)", "Download (ZIP)"},
	"download_all":      {"Tout télécharger (ZIP)", "Download all (ZIP)"},
	"download_file":     {"Télécharger le fichier", "Download the file"},
	"up":                {"↑ Dossier parent", "↑ Parent folder"},
	"next_page":         {"Éléments suivants →", "Next items →"},
	"empty":             {"Ce dossier est vide.", "This folder is empty."},
	"upload_title":      {"Envoyer des fichiers", "Send files"},
	"upload_intro":      {"Les fichiers envoyés sont remis à la personne qui a créé ce lien. Vous ne pourrez pas les consulter ensuite.", "The files you send go to the person who made this link. You will not be able to see them afterwards."},
	"upload_drop":       {"Déposez vos fichiers ici ou cliquez pour les choisir", "Drop your files here or click to choose them"},
	"upload_send":       {"Envoyer", "Send"},
	"upload_waiting":    {"En attente", "Waiting"},
	"upload_sending":    {"Envoi…", "Sending…"},
	"upload_ok":         {"Envoyé", "Sent"},
	"upload_failed":     {"Échec de l'envoi", "Upload failed"},
	"upload_summary":    {"{ok} fichier(s) envoyé(s), {failed} échec(s).", "{ok} file(s) sent, {failed} failed."},
	"uploaded_title":    {"Fichiers reçus", "Files received"},
	"upload_more":       {"Envoyer d'autres fichiers", "Send more files"},
	"enc_title":         {"Protection des fichiers", "How files are protected"},
	"enc_rest":          {"Au repos", "At rest"},
	"enc_rest_text":     {"Chaque contenu est chiffré en AES-256-GCM avec une clé de données qui lui est propre. Cette clé n'est conservée que chiffrée (AES-256-GCM) par la clé maîtresse de la plateforme, gardée à part des disques.", "Each content is encrypted with AES-256-GCM under a data key of its own. That key is kept only encrypted (AES-256-GCM) by the platform's master key, held apart from the drives."},
	"enc_integrity":     {"Intégrité", "Integrity"},
	"enc_integrity_txt": {"AES-GCM authentifie chaque bloc, et chaque fragment écrit sur un disque porte sa somme de contrôle : une altération est détectée à la lecture.", "AES-GCM authenticates every block, and every shard written to a drive carries its checksum: tampering is detected on reading."},
	"enc_redundancy":    {"Redondance", "Redundancy"},
	"enc_transit":       {"En transit", "In transit"},
	"enc_tls":           {"Cette connexion est chiffrée par TLS (HTTPS).", "This connection is encrypted with TLS (HTTPS)."},
	"enc_no_tls":        {"Ce serveur n'est pas configuré pour TLS : la connexion elle-même n'est pas chiffrée.", "This server is not set up for TLS: the connection itself is not encrypted."},
}

// Words formatted with numbers.
var (
	msgRemaining   = text{"Téléchargements restants : %d", "Downloads left: %d"}
	msgUploadLimit = text{"Taille maximale par fichier : %s", "Largest size per file: %s"}
	msgErasure     = text{"Chaque contenu est réparti en %d fragments de données et %d de parité sur %d disques : il reste lisible si %d disques sont perdus.", "Each content is spread as %d data and %d parity shards over %d drives: it stays readable with %d drives lost."}
)

// dictionaries are the labels by language, for the templates.
func dictionaries() map[string]map[string]string {
	out := map[string]map[string]string{"fr": {}, "en": {}}
	for k, t := range labels {
		out["fr"][k], out["en"][k] = t.fr, t.en
	}
	return out
}

func (q *req) sprintf(t text, args ...any) string { return fmt.Sprintf(t.in(q.lang), args...) }

// sizeText writes a size in bytes for people: "1,5 Mo", "1.5 MB".
func sizeText(lang string, n int64) string {
	units := []string{"o", "Ko", "Mo", "Go", "To"}
	if lang == "en" {
		units = []string{"B", "KB", "MB", "GB", "TB"}
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " " + units[0]
	}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	s := strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[i]
}

var months = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// waitText writes a wait for people: "5 s", "3 min".
func waitText(d time.Duration) string {
	if s := int(math.Ceil(d.Seconds())); s < 120 {
		return strconv.Itoa(max(s, 1)) + " s"
	}
	return strconv.Itoa(int(math.Ceil(d.Minutes()))) + " min"
}

// dateText writes a time for people, in UTC (the visitor's zone is
// unknown): "2 mai 2026, 14:03 UTC", "May 2, 2026, 14:03 UTC".
func dateText(lang string, t time.Time) string {
	t = t.UTC()
	month := months["fr"][t.Month()-1]
	if lang == "en" {
		return fmt.Sprintf("%s %d, %d, %s UTC", months["en"][t.Month()-1], t.Day(), t.Year(), t.Format("15:04"))
	}
	return fmt.Sprintf("%d %s %d, %s UTC", t.Day(), month, t.Year(), t.Format("15:04"))
}
