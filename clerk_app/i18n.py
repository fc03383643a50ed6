"""Every UI string, in French (the default, as in the seed) and English.

Pages never spell a sentence: they call :func:`clerk_app.state.ui.t` with a key, which
compiles to a small ``lang === "en" ? … : …`` expression on the current language var, so
switching language re-renders at once without a round trip for strings. This module
holds the strings only and imports nothing of the app. Backend handlers that
produce text (toasts, validation messages) use :func:`text` with the language they
already know. A test checks both tables have the same keys.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"

FR: dict[str, str] = {
    "brand": "clerk_app",
    "nav_members": "Mon profil",
    "sign_in": "Se connecter",
    "sign_up": "Créer un compte",
    "sign_out": "Se déconnecter",
    "footer": "Authentification par Clerk · profils dans votre base SQL · 100 % Python avec Reflex",
    "local_banner": "Mode local : l'émulateur Clerk remplace les serveurs de Clerk "
    "(développement uniquement).",
    "clerk_failed": "Impossible de joindre Clerk : la connexion est indisponible pour le moment. "
    "Vérifiez votre réseau puis rechargez la page.",
    "clerk_degraded": "Clerk fonctionne en mode dégradé : certaines actions peuvent échouer.",
    "clerk_loading": "Chargement de l'authentification…",
    "reload": "Recharger",
    # landing
    "hero_title": "Votre profil, synchronisé.",
    "hero_line1": "Clerk s'occupe de la connexion ; l'application garde dans sa propre base "
    "votre bio, vos liens et vos préférences.",
    "hero_line2": "Les deux restent synchronisés à chaque connexion et par webhooks.",
    "hero_signed_in": "Vous êtes connecté.",
    "go_members": "Voir mon profil",
    "step_auth_title": "Connexion par Clerk",
    "step_auth_body": "SignIn, SignUp, UserButton : les composants de Clerk, pilotés en Python.",
    "step_sync_title": "Synchronisation",
    "step_sync_body": "À chaque connexion, /welcome copie vos données Clerk dans la base, "
    "en une seule requête.",
    "step_profile_title": "Votre profil",
    "step_profile_body": "Bio, liens et préférences, gardés par l'application.",
    "account_menu": "Menu du compte",
    "meta_description": "Connexion par Clerk, profils dans votre base SQL, synchronisés à "
    "chaque connexion et par webhooks : une application 100 % Python avec Reflex.",
    # local sign-in
    "local_sign_in_title": "Connexion locale",
    "local_sign_up_title": "Créer un utilisateur local",
    "local_intro": "Aucune clé Clerk n'est configurée : choisissez un utilisateur de "
    "l'émulateur ou créez-en un.",
    "local_existing": "Utilisateurs existants",
    "local_none": "Aucun utilisateur pour l'instant.",
    "local_continue_as": "Continuer",
    "local_create": "Créer et se connecter",
    "local_or_create": "Ou créez un utilisateur",
    "have_account": "Déjà un compte ? Se connecter",
    "no_account": "Pas encore de compte ? En créer un",
    "email": "Adresse e-mail",
    "first_name": "Prénom",
    "last_name": "Nom",
    "username": "Nom d'utilisateur (facultatif)",
    "username_short": "Nom d'utilisateur",
    "err_email": "Saisissez une adresse e-mail valide.",
    "err_local_failed": "L'émulateur a refusé la demande : {detail}",
    "err_email_taken": "Cette adresse est déjà utilisée : choisissez l'utilisateur dans la liste.",
    "err_local_too_long": "Chaque champ compte {limit} caractères au plus.",
    "err_username_length": "Le nom d'utilisateur doit compter entre 4 et 64 caractères.",
    "err_username_characters": "Le nom d'utilisateur ne peut contenir que des lettres, "
    "des chiffres, « _ » et « - ».",
    "err_username_taken": "Ce nom d'utilisateur est déjà pris : choisissez-en un autre.",
    # welcome
    "welcome_title": "Bienvenue !",
    "welcome_syncing": "Synchronisation de votre compte…",
    "welcome_waiting": "Vérification de votre session…",
    "welcome_failed_title": "La synchronisation a échoué",
    "welcome_retry": "Réessayer",
    "err_clerk_unreachable": "Clerk ne répond pas pour le moment. Rien n'a été enregistré ; "
    "réessayez dans un instant.",
    "err_clerk_rate_limited": "Clerk limite le nombre de requêtes. Rien n'a été enregistré ; "
    "réessayez dans quelques secondes.",
    "err_no_email": "Votre compte Clerk n'a pas d'adresse e-mail principale : ajoutez-en une "
    "dans « Gérer mon compte », puis réessayez.",
    "err_database": "La base de données est indisponible. Rien n'a été enregistré ; réessayez.",
    "err_schema_behind": "Le schéma de la base de données n'est pas à jour (migrations en "
    "attente : make migrate). Rien n'a été enregistré.",
    "err_user_gone": "Ce compte n'existe plus chez Clerk.",
    # session refused (the backend did not accept the token clerk-js holds)
    "refused_title": "Session refusée",
    "refused_lead": "Clerk vous a connecté, mais ce serveur refuse votre jeton de session : "
    "la connexion ne peut pas aboutir.",
    "refused_authorized_party": "Le jeton n'est pas émis pour ce site : son origine (azp) "
    "manque ou ne figure pas dans CLERK_AUTHORIZED_PARTIES. Ajoutez-y l'adresse de ce site "
    "(par exemple https://app.example.com).",
    "refused_issuer": "L'émetteur du jeton (iss) n'est pas l'instance Clerk attendue : "
    "vérifiez CLERK_PUBLISHABLE_KEY (et CLERK_ISSUER s'il est défini).",
    "refused_signing_key": "Le jeton n'est signé par aucune clé de cette instance : vérifiez "
    "que CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY et CLERK_JWKS_URL viennent de la même "
    "instance Clerk.",
    "refused_jwks_unavailable": "Le serveur n'a pas pu télécharger les clés de signature de "
    "Clerk (JWKS) : vérifiez CLERK_JWKS_URL et l'accès réseau du serveur, puis réessayez.",
    "refused_clock": "Les dates du jeton ne correspondent pas à l'horloge du serveur : "
    "vérifiez que l'horloge du serveur est à l'heure (NTP).",
    "refused_other": "Ce n'est pas un jeton de session valide pour cette instance : vérifiez "
    "que CLERK_PUBLISHABLE_KEY et CLERK_SECRET_KEY viennent de la même instance Clerk.",
    "refused_generic": "Les réglages Clerk de l'application sont à vérifier : le journal du "
    "serveur en donne la cause.",
    # members
    "members_title": "Mon profil",
    "managed_by_clerk": "Géré par Clerk",
    "managed_by_app": "Géré par l'application",
    "manage_account": "Gérer mon compte",
    "manage_account_local": "En mode local, le compte se gère dans l'émulateur.",
    "created_at": "Compte créé le",
    "synced_at": "Dernière synchronisation",
    "loading": "Chargement…",
    "profile_section": "Profil",
    "links_section": "Liens",
    "prefs_section": "Préférences",
    "bio": "Bio",
    "company": "Entreprise",
    "job_title": "Poste",
    "location": "Localisation",
    "website": "Site web",
    "twitter": "Twitter / X",
    "linkedin": "LinkedIn",
    "github": "GitHub",
    "email_notifications": "Recevoir les notifications par e-mail",
    "theme": "Thème",
    "theme_light": "Clair",
    "theme_dark": "Sombre",
    "theme_system": "Système",
    "language": "Langue",
    "lang_fr": "Français",
    "lang_en": "English",
    "save": "Enregistrer",
    "saved": "Profil enregistré.",
    "save_failed": "Le profil n'a pas été enregistré : corrigez les champs signalés.",
    "save_unavailable": "Enregistrement impossible pour le moment ; réessayez.",
    "session_expired": "Votre session a expiré : reconnectez-vous.",
    "save_conflict": "Rien n'a été enregistré : choisissez ci-dessus quelle version garder.",
    "stale_load": "Ce profil a été modifié ailleurs (un autre onglet ou appareil) pendant "
    "que vous le modifiiez. Vos saisies sont conservées : que voulez-vous garder ?",
    "stale_save": "Un champ que vous avez modifié a aussi été changé ailleurs (un autre "
    "onglet ou appareil). Vos saisies sont conservées : que voulez-vous garder ?",
    "stale_use_stored": "La version enregistrée",
    "stale_keep": "Mes saisies",
    "stale_overwrite": "Mes saisies (enregistrer)",
    "stored_copy": "Clerk ne répond pas : ces informations sont la copie enregistrée lors "
    "de la dernière synchronisation.",
    "checking_session": "Vérification de la session…",
    "err_too_long": "Trop long ({limit} caractères au plus).",
    "err_invalid_url": "Saisissez une adresse http(s) valide.",
    "err_invalid_handle": "Saisissez un nom d'utilisateur, @nom ou l'URL du profil.",
    "err_invalid_choice": "Choix non valide.",
    "err_invalid_characters": "Ce texte contient des caractères non autorisés.",
    "err_invalid_value": "Valeur non valide.",
    "unknown": "—",
}

EN: dict[str, str] = {
    "brand": "clerk_app",
    "nav_members": "My profile",
    "sign_in": "Sign in",
    "sign_up": "Sign up",
    "sign_out": "Sign out",
    "footer": "Authentication by Clerk · profiles in your SQL database · 100% Python with Reflex",
    "local_banner": "Local mode: the Clerk emulator stands in for Clerk's servers "
    "(development only).",
    "clerk_failed": "Cannot reach Clerk: signing in is unavailable right now. "
    "Check your network, then reload the page.",
    "clerk_degraded": "Clerk is degraded: some actions may fail.",
    "clerk_loading": "Loading authentication…",
    "reload": "Reload",
    "hero_title": "Your profile, in sync.",
    "hero_line1": "Clerk handles signing in; the app keeps your bio, links and preferences "
    "in its own database.",
    "hero_line2": "The two stay in sync on every sign-in and through webhooks.",
    "hero_signed_in": "You are signed in.",
    "go_members": "View my profile",
    "step_auth_title": "Sign in with Clerk",
    "step_auth_body": "SignIn, SignUp, UserButton: Clerk's components, driven from Python.",
    "step_sync_title": "Sync",
    "step_sync_body": "On every sign-in, /welcome copies your Clerk data into the database "
    "in a single statement.",
    "step_profile_title": "Your profile",
    "step_profile_body": "Bio, links and preferences, kept by the app.",
    "account_menu": "Account menu",
    "meta_description": "Sign-in by Clerk, profiles in your SQL database, kept in sync on "
    "every sign-in and through webhooks: a 100% Python app with Reflex.",
    "local_sign_in_title": "Local sign-in",
    "local_sign_up_title": "Create a local user",
    "local_intro": "No Clerk keys are configured: pick a user of the emulator or create one.",
    "local_existing": "Existing users",
    "local_none": "No users yet.",
    "local_continue_as": "Continue",
    "local_create": "Create and sign in",
    "local_or_create": "Or create a user",
    "have_account": "Already have an account? Sign in",
    "no_account": "No account yet? Create one",
    "email": "Email address",
    "first_name": "First name",
    "last_name": "Last name",
    "username": "Username (optional)",
    "username_short": "Username",
    "err_email": "Enter a valid email address.",
    "err_local_failed": "The emulator refused the request: {detail}",
    "err_email_taken": "This address is already taken: pick the user from the list.",
    "err_local_too_long": "Each field takes at most {limit} characters.",
    "err_username_length": "The username must be between 4 and 64 characters long.",
    "err_username_characters": "The username can only contain letters, numbers, '_' and '-'.",
    "err_username_taken": "This username is taken: choose another one.",
    "welcome_title": "Welcome!",
    "welcome_syncing": "Syncing your account…",
    "welcome_waiting": "Checking your session…",
    "welcome_failed_title": "Sync failed",
    "welcome_retry": "Try again",
    "err_clerk_unreachable": "Clerk is not answering right now. Nothing was saved; "
    "try again in a moment.",
    "err_clerk_rate_limited": "Clerk is rate-limiting requests. Nothing was saved; "
    "try again in a few seconds.",
    "err_no_email": "Your Clerk account has no primary email address: add one under "
    "“Manage account”, then try again.",
    "err_database": "The database is unavailable. Nothing was saved; try again.",
    "err_schema_behind": "The database schema is not up to date (migrations pending: "
    "make migrate). Nothing was saved.",
    "err_user_gone": "This account no longer exists at Clerk.",
    "refused_title": "Session refused",
    "refused_lead": "Clerk signed you in, but this server refuses your session token, so "
    "signing in cannot complete.",
    "refused_authorized_party": "The token was not issued for this site: its authorized party "
    "(azp) is missing or not in CLERK_AUTHORIZED_PARTIES. Add this site's origin to it "
    "(for example https://app.example.com).",
    "refused_issuer": "The token's issuer (iss) is not the expected Clerk instance: check "
    "CLERK_PUBLISHABLE_KEY (and CLERK_ISSUER if it is set).",
    "refused_signing_key": "The token is not signed by a key of this instance: check that "
    "CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY and CLERK_JWKS_URL belong to the same Clerk "
    "instance.",
    "refused_jwks_unavailable": "The server could not download Clerk's signing keys (JWKS): "
    "check CLERK_JWKS_URL and the server's network access, then try again.",
    "refused_clock": "The token's validity period does not match the server's clock: check "
    "that the server's clock is right (NTP).",
    "refused_other": "This is not a valid session token for this instance: check that "
    "CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY belong to the same Clerk instance.",
    "refused_generic": "The app's Clerk settings need checking: see the server log for the reason.",
    "members_title": "My profile",
    "managed_by_clerk": "Managed by Clerk",
    "managed_by_app": "Managed by the app",
    "manage_account": "Manage account",
    "manage_account_local": "In local mode, the account lives in the emulator.",
    "created_at": "Account created",
    "synced_at": "Last synced",
    "loading": "Loading…",
    "profile_section": "Profile",
    "links_section": "Links",
    "prefs_section": "Preferences",
    "bio": "Bio",
    "company": "Company",
    "job_title": "Job title",
    "location": "Location",
    "website": "Website",
    "twitter": "Twitter / X",
    "linkedin": "LinkedIn",
    "github": "GitHub",
    "email_notifications": "Receive email notifications",
    "theme": "Theme",
    "theme_light": "Light",
    "theme_dark": "Dark",
    "theme_system": "System",
    "language": "Language",
    "lang_fr": "Français",
    "lang_en": "English",
    "save": "Save",
    "saved": "Profile saved.",
    "save_failed": "The profile was not saved: fix the highlighted fields.",
    "save_unavailable": "Cannot save right now; try again.",
    "session_expired": "Your session has expired: sign in again.",
    "save_conflict": "Nothing was saved: a field you changed was also changed elsewhere meanwhile.",
    "stale_load": "This profile was changed elsewhere (another tab or device) while you "
    "were editing it. What you typed is kept: which do you want to keep?",
    "stale_save": "A field you changed was also changed elsewhere (another tab or device). "
    "What you typed is kept: which do you want to keep?",
    "stale_use_stored": "The stored version",
    "stale_keep": "What I typed",
    "stale_overwrite": "What I typed (save it)",
    "stored_copy": "Clerk is not answering: this is the copy stored at the last sync.",
    "checking_session": "Checking your session…",
    "err_too_long": "Too long (at most {limit} characters).",
    "err_invalid_url": "Enter a valid http(s) address.",
    "err_invalid_handle": "Enter a username, @name or the profile URL.",
    "err_invalid_choice": "Not a valid choice.",
    "err_invalid_characters": "This text contains characters that are not allowed.",
    "err_invalid_value": "Not a valid value.",
    "unknown": "—",
}

TABLES: dict[str, dict[str, str]] = {"fr": FR, "en": EN}


def normalise_lang(value: object) -> Lang:
    """``"fr"`` or ``"en"``; anything else is the default."""
    return "en" if value == "en" else "fr"


def text(lang: object, key: str, **params: object) -> str:
    """The string ``key`` in ``lang`` (backend use), with ``{placeholders}`` filled."""
    template = TABLES[normalise_lang(lang)][key]
    return template.format(**params) if params else template


def from_accept_language(header: object) -> Lang:
    """The best of our languages for an ``Accept-Language`` header (signed-out visitors).

    Honours q-values; a header naming neither language gives the default (French).
    """
    if not isinstance(header, str) or not header:
        return DEFAULT_LANG
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(header[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in TABLES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        candidate = (quality, -position, normalise_lang(primary))
        if quality > 0 and (best is None or candidate > best):
            best = candidate
    return best[2] if best else DEFAULT_LANG
