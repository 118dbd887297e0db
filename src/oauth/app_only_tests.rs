//! The assertions' claims and signatures, verified with the public key the way a provider does (glewlwyd 2.7.5
//! has no JWT bearer grant to test the service account's against, see the README).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};

use super::*;

const KEY: &str = include_str!("../../tests/fixtures/oauth/test-rsa.key.pem");
const PUBLIC: &str = include_str!("../../tests/fixtures/oauth/test-rsa.pub.pem");
const TOKEN_URL: &str =
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";

fn validation(aud: &str) -> Validation {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[aud]);
    v.leeway = 0;
    v
}

#[test]
fn a_client_assertion_is_signed_rs256_for_the_token_endpoint_with_the_thumbprint() {
    let x5t = x5t("3E:D6:15:B3:3D:2C:8E:90:BC:49:4E:7A:14:E9:04:74:BC:28:54:A7").unwrap();
    let jwt = client_assertion("app-1", TOKEN_URL, KEY, Some(&x5t)).unwrap();
    let header = decode_header(&jwt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.x5t.as_deref(), Some(x5t.as_str()));
    assert_eq!(
        URL_SAFE_NO_PAD.decode(&x5t).unwrap()[..3],
        [0x3e, 0xd6, 0x15]
    );
    let key = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
    let claims = decode::<ClientAssertion>(&jwt, &key, &validation(TOKEN_URL))
        .unwrap()
        .claims;
    assert_eq!(
        (claims.iss.as_str(), claims.sub.as_str()),
        ("app-1", "app-1")
    );
    assert!(claims.exp > claims.iat && claims.exp - claims.iat <= 600);
    assert!(claims.jti.len() >= 16);
    let again = client_assertion("app-1", TOKEN_URL, KEY, Some(&x5t)).unwrap();
    let other = decode::<ClientAssertion>(&again, &key, &validation(TOKEN_URL)).unwrap();
    assert_ne!(
        other.claims.jti, claims.jti,
        "every assertion is single-use"
    );
}

#[test]
fn a_service_account_assertion_acts_as_the_mailbox_with_the_mail_scope() {
    let aud = "https://oauth2.googleapis.com/token";
    let scopes = vec!["https://mail.google.com/".to_string()];
    let jwt = bearer_assertion(
        "sync@project.iam.gserviceaccount.com",
        "sales@nordwind.ru",
        &scopes,
        aud,
        KEY,
        Some("key-7"),
    )
    .unwrap();
    let header = decode_header(&jwt).unwrap();
    assert_eq!(
        (header.alg, header.kid.as_deref()),
        (Algorithm::RS256, Some("key-7"))
    );
    let key = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
    let claims = decode::<BearerAssertion>(&jwt, &key, &validation(aud))
        .unwrap()
        .claims;
    assert_eq!(claims.iss, "sync@project.iam.gserviceaccount.com");
    assert_eq!(claims.sub, "sales@nordwind.ru");
    assert_eq!(claims.scope, "https://mail.google.com/");
    assert!(claims.exp > claims.iat && claims.exp - claims.iat <= 3600);
}

#[test]
fn a_forged_assertion_fails_verification_and_bad_inputs_are_refused() {
    let jwt = client_assertion("app-1", TOKEN_URL, KEY, None).unwrap();
    let (head, rest) = jwt.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged_claims = URL_SAFE_NO_PAD.encode(
        br#"{"iss":"evil","sub":"evil","aud":"x","jti":"1","iat":1,"nbf":1,"exp":99999999999}"#,
    );
    let forged = format!("{head}.{forged_claims}.{signature}");
    let key = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
    assert!(decode::<ClientAssertion>(&forged, &key, &validation("x")).is_err());
    assert!(check_key("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----").is_err());
    assert!(check_key(KEY).is_ok());
    assert!(x5t("abc").is_err());
}
