package dev.burstgate.gateway.api;

import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;

/** The request bodies Burstgate reads are JSON: another declared content type is refused with 415. */
public final class JsonContent {

    private JsonContent() {}

    /**
     * Passes when the request declares no content type, {@code application/json}, or a {@code +json} type.
     *
     * @throws ApiException 415 otherwise
     */
    public static void require(HttpHeaders headers) {
        String declared = headers.getFirst(HttpHeaders.CONTENT_TYPE);
        if (declared == null || declared.isBlank()) {
            return;
        }
        try {
            MediaType type = MediaType.parseMediaType(declared);
            if (MediaType.APPLICATION_JSON.isCompatibleWith(type) && !type.isWildcardType() && !type.isWildcardSubtype()
                    || "json".equalsIgnoreCase(type.getSubtypeSuffix())) {
                return;
            }
        } catch (InvalidMediaTypeException e) {
            // refused below
        }
        throw ApiException.unsupportedMediaType(
                "Send the request body as JSON, with 'Content-Type: application/json'.");
    }
}
