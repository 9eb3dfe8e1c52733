import { namesOf, type ProjectOptions } from '../options.js';

/** proto/<name>.proto (IDL mode): the contract other languages compile against. */
export function protoSource(options: ProjectOptions): string {
  const n = namesOf(options.name);
  return `syntax = "proto3";

package ${n.protoPackage};

service ${n.pascal} {
  rpc Greet (GreetRequest) returns (GreetReply);
}

message GreetRequest {
  string name = 1;
}

message GreetReply {
  string message = 1;
  int32 count = 2;
}
`;
}
