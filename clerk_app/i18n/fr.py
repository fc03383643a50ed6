"""Every UI string in French (the default language, as in the seed)."""

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
    "local_org_menu": "Choisir l'organisation active",
    "local_org_personal": "Compte personnel",
    "local_org_create": "Créer une organisation",
    "local_org_create_intro": "Vous en serez l'administrateur ; elle devient "
    "l'organisation active.",
    "local_org_name": "Nom de l'organisation",
    "local_org_slug": "Identifiant (slug, facultatif)",
    "local_org_slug_hint": "Minuscules, chiffres et tirets ; tiré du nom si vide.",
    "local_org_submit": "Créer",
    "local_org_cancel": "Annuler",
    "local_org_role_admin": "Administrateur",
    "local_org_role_member": "Membre",
    "err_org_name": "Donnez un nom à l'organisation ({limit} caractères au plus).",
    "err_org_slug": "L'identifiant ne peut contenir que des minuscules, des chiffres et des "
    "tirets (ni au début ni à la fin).",
    "err_org_slug_taken": "Cet identifiant est déjà pris : choisissez-en un autre.",
    "err_org_not_member": "Vous n'êtes pas membre de cette organisation.",
    "err_org_failed": "L'émulateur a refusé la demande : {detail}",
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
    # account lifecycle and organizations
    "err_account_suspended": "Ce compte est suspendu : ses données ne sont plus accessibles. "
    "Rien n'a été enregistré.",
    "suspended_title": "Compte suspendu",
    "suspended_body": "Ce compte a été suspendu ou verrouillé : votre profil et vos "
    "organisations ne sont plus accessibles. Contactez l'administrateur de l'application.",
    "orgs_title": "Organisations",
    "orgs_none": "Vous n'appartenez à aucune organisation pour l'instant.",
    "role_admin": "Administrateur",
    "role_member": "Membre",
    "org_members": "Membres",
    "org_description": "Description",
    "org_website": "Site web",
    "org_slug": "Identifiant",
    "org_no_description": "Pas encore de description.",
    "org_read_only": "Seuls les administrateurs de l'organisation peuvent modifier ces "
    "informations.",
    "org_not_found_title": "Organisation introuvable",
    "err_org_not_found": "Cette organisation n'existe pas, ou vous n'en êtes pas membre.",
    "err_org_not_admin": "Seuls les administrateurs de l'organisation peuvent la modifier. "
    "Rien n'a été enregistré.",
    "org_saved": "Organisation enregistrée.",
    "org_save_failed": "L'organisation n'a pas été enregistrée : corrigez les champs signalés.",
    "org_save_conflict": "Pas tout enregistré : un autre administrateur a modifié le même champ "
    "entre-temps.",
    "org_changed_elsewhere": "Un autre administrateur a modifié ce champ entre-temps ; il "
    "contient maintenant : « {value} ». Votre texte est resté ici : enregistrez à nouveau pour "
    "le garder.",
    "org_empty_value": "(vide)",
    "org_manage": "Gérer l'organisation",
    "org_create": "Créer une organisation",
    "org_back": "Mon profil",
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
