//! Errors in each protocol's own wire format, and each service's throttling
//! error.
//!
//! - EC2 (query, XML): `<Response><Errors><Error><Code>..</Code><Message>..`
//!   `</Message></Error></Errors><RequestID>..</RequestID></Response>`;
//!   throttling is `RequestLimitExceeded` ("Request throttling for the
//!   Amazon EC2 API"), sent with HTTP 503 as EC2 does (the SDK retries it as
//!   a throttling error whatever the status).
//! - STS (query, XML): `<ErrorResponse><Error><Type>Sender</Type><Code>..`;
//!   throttling is `Throttling` "Rate exceeded" with HTTP 400 (AWS re:Post
//!   knowledge center, "How do I resolve API throttling or 'Rate exceeded'
//!   errors for IAM and AWS STS?": "Throttling: Rate exceeded, status code: 400").
//! - CloudTrail (JSON 1.1): `{"__type": "..", "message": ".."}`; throttling is
//!   `ThrottlingException`, "thrown when the request rate exceeds the limit"
//!   (CloudTrail's service model), HTTP 400.
//! - Organizations (JSON 1.1): throttling is `TooManyRequestsException`,
//!   "You have sent too many requests in too short a period of time"
//!   (Organizations API reference), HTTP 400.
//! - Image Builder (REST JSON): the code in `x-amzn-ErrorType`, `{"message"}`
//!   in the body; throttling is `TooManyRequestsException`, HTTP 429 ("You
//!   have attempted too many requests for the specific operation", Image
//!   Builder's service model, `httpStatusCode` 429).

use crate::http::Response;
use crate::xml::escape;

pub fn request_id(n: u64) -> String {
    let h = crate::org::splitmix(n);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        crate::org::splitmix(h) & 0xffff_ffff_ffff
    )
}

pub fn ec2(status: u16, code: &str, message: &str, rid: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>",
        escape(code),
        escape(message)
    );
    Response::new(status, "text/xml;charset=UTF-8", body)
}

pub fn sts(status: u16, code: &str, message: &str, rid: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>",
        escape(code),
        escape(message)
    );
    Response::new(status, "text/xml", body).with_header("x-amzn-RequestId", rid)
}

/// JSON 1.1 (CloudTrail, Organizations).
pub fn json(status: u16, code: &str, message: &str, rid: &str) -> Response {
    let body = serde_json::json!({"__type": code, "message": message}).to_string();
    Response::new(status, "application/x-amz-json-1.1", body).with_header("x-amzn-RequestId", rid)
}

/// REST JSON (Image Builder).
pub fn rest_json(status: u16, code: &str, message: &str, rid: &str) -> Response {
    let body = serde_json::json!({"message": message}).to_string();
    Response::new(status, "application/json", body)
        .with_header("x-amzn-ErrorType", code)
        .with_header("x-amzn-RequestId", rid)
}

/// The error a service sends when it throttles a request.
pub fn throttled(service: &str, rid: &str) -> Response {
    match service {
        "ec2" => ec2(503, "RequestLimitExceeded", "Request limit exceeded.", rid),
        "sts" => sts(400, "Throttling", "Rate exceeded", rid),
        "organizations" => json(
            400,
            "TooManyRequestsException",
            "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.",
            rid,
        ),
        "imagebuilder" => rest_json(
            429,
            "TooManyRequestsException",
            "You have attempted too many requests for the specific operation.",
            rid,
        ),
        _ => json(400, "ThrottlingException", "Rate exceeded", rid),
    }
}

/// Any other error of `service`, in its format.
pub fn error(service: &str, status: u16, code: &str, message: &str, rid: &str) -> Response {
    match service {
        "ec2" => ec2(status, code, message, rid),
        "sts" => sts(status, code, message, rid),
        "imagebuilder" => rest_json(status, code, message, rid),
        _ => json(status, code, message, rid),
    }
}

/// A server-side failure: HTTP 500 `InternalError`/`InternalFailure` or
/// HTTP 503 `Unavailable`/`ServiceUnavailable`, each service's codes (EC2 API
/// reference, "Error codes for the Amazon EC2 API": `InternalError`,
/// `Unavailable`; the common errors of the JSON services: `InternalFailure`
/// 500, `ServiceUnavailable` 503).
pub fn server_error(service: &str, unavailable: bool, rid: &str) -> Response {
    let (status, ec2_code, code, message) = if unavailable {
        (
            503,
            "Unavailable",
            "ServiceUnavailable",
            "The server is overloaded and can't handle the request.",
        )
    } else {
        (
            500,
            "InternalError",
            "InternalFailure",
            "An internal error has occurred.",
        )
    };
    match service {
        "ec2" => ec2(status, ec2_code, message, rid),
        "sts" => sts(status, code, message, rid),
        "imagebuilder" => rest_json(status, "ServiceException", message, rid),
        _ => json(status, code, message, rid),
    }
}

/// The answer to a call whose session token has expired (HTTP 400
/// `ExpiredToken` for the query services, 403 `ExpiredTokenException` for
/// the JSON ones, as in AWS's common errors).
pub fn expired_token(service: &str, rid: &str) -> Response {
    let message = "The security token included in the request is expired";
    match service {
        "ec2" => ec2(400, "ExpiredToken", message, rid),
        "sts" => sts(400, "ExpiredToken", message, rid),
        "imagebuilder" => rest_json(403, "ExpiredTokenException", message, rid),
        _ => json(403, "ExpiredTokenException", message, rid),
    }
}
