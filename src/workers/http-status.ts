/**
 * Reason phrases for status lines that arrive without one, and the error a non-200 answer
 * becomes. A table of our own rather than node:http's STATUS_CODES: importing node:http in a
 * shard loads Node's whole HTTP stack for one lookup (docs/decisions/069-fixed-cost-of-a-thread.md).
 */
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';

/** The IANA registry's reason phrases, as Go's net/http writes them. */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

/** The phrase the server sent, else the registered one for its code, else ''. */
export function reasonPhrase(statusCode: number, sent: string): string {
  return sent || (REASONS[statusCode] ?? '');
}

/**
 * The status a plugin gets for answering anything but 200, worded as upstream words it.
 * `statusText` is an answer's as the attempt gave it: already `reasonPhrase`'s.
 */
export function statusError(statusCode: number, statusText: string): ErrorData {
  return errorData(ErrorCode.HTTP_STATUS, `plugin returned non-200 status code: ${statusCode} ${statusText}`.trimEnd());
}
