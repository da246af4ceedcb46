import { randomInt } from "node:crypto";
import { invalidArgument } from "../../errors/EngineError.js";
import { emit, type ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";

/** Docker's container name rule (moby daemon/names: RestrictedNameChars). */
const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A user-given name without its optional leading "/", checked; InvalidArgument with Docker's text. */
export function normalizeName(input: string): string {
  const name = input.startsWith("/") ? input.slice(1) : input;
  if (!VALID_NAME.test(name)) throw invalidArgument(`Invalid container name (${input}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name;
}

// A short selection in the spirit of moby's pkg/namesgenerator (adjective_surname of a scientist).
const LEFT = [
  "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "boring",
  "brave", "busy", "charming", "clever", "compassionate", "competent", "confident", "cool", "cranky", "crazy",
  "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent",
  "epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny", "gallant",
  "gifted", "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible",
  "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid",
  "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective",
  "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing", "relaxed",
  "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied",
  "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous",
  "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
];
const RIGHT = [
  "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage", "banach",
  "bardeen", "bartik", "bassi", "bell", "benz", "bhabha", "bhaskara", "blackwell", "bohr", "booth",
  "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar", "chatelet",
  "chebyshev", "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dirac",
  "easley", "einstein", "elion", "engelbart", "euclid", "euler", "faraday", "fermat", "fermi", "feynman",
  "franklin", "galileo", "gates", "goldberg", "goldstine", "goodall", "hamilton", "hawking", "heisenberg", "hermann",
  "hodgkin", "hopper", "hypatia", "jackson", "jang", "jennings", "jepsen", "johnson", "joliot", "kalam",
  "kapitsa", "keller", "kepler", "khorana", "kilby", "knuth", "kowalevski", "lalande", "lamarr", "leakey",
  "leavitt", "lehmann", "liskov", "lovelace", "lumiere", "mahavira", "mayer", "mccarthy", "mcclintock", "meitner",
  "mendel", "merkle", "mirzakhani", "montalcini", "moore", "morse", "napier", "nash", "neumann", "newton",
  "nightingale", "nobel", "noether", "noyce", "pascal", "pasteur", "payne", "perlman", "pike", "poincare",
  "ptolemy", "raman", "ramanujan", "ride", "ritchie", "rosalind", "saha", "sammet", "shannon", "shaw",
  "shockley", "sinoussi", "snyder", "spence", "stonebraker", "swanson", "swartz", "tesla", "thompson", "torvalds",
  "turing", "varahamihira", "visvesvaraya", "volhard", "wescoff", "wiles", "williams", "wilson", "wing", "wozniak",
  "wright", "wu", "yalow", "yonath", "zhukovsky",
];

/**
 * Docker's auto-generated names: adjective_surname, and after a collision a digit is appended
 * (moby's GetRandomName(retry)). `taken` says whether a name is in use.
 */
export function generateName(taken: (name: string) => boolean): string {
  for (let retry = 0; retry < 10; retry++) {
    let name = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
    if (name === "boring_wozniak") continue; // Steve Wozniak is not boring (moby's rule)
    if (retry > 0) name += String(randomInt(10));
    if (!taken(name)) return name;
  }
  // Practically unreachable; a long random suffix cannot collide.
  for (;;) {
    const name = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}_${randomInt(1e9)}`;
    if (!taken(name)) return name;
  }
}

/** docker rename (under the container's lock): Docker's checks, the record, the `rename` event. */
export function renameRecord(ctx: ContainerContext, rec: ContainerRecord, newNameArg: string): void {
  const newName = normalizeName(newNameArg);
  if (rec.name === newName) throw invalidArgument("Renaming a container with the same name as its current name");
  if (ctx.store.nameTaken(newName)) throw ctx.store.nameConflict(newName);
  const oldName = rec.name;
  rec.name = newName;
  ctx.store.save(rec);
  // DNS answers the new name (and no longer the old one) at once, not from the next start.
  try {
    ctx.networks?.rename?.(rec.id, newName);
  } catch (e) {
    // The rename itself is done; the daemon's next start brings the endpoints up to date.
    ctx.log("warn", `container ${rec.id}: renaming its network endpoints: ${(e as Error).message}`);
  }
  emit(ctx, rec, "rename", { oldName: `/${oldName}` });
}
