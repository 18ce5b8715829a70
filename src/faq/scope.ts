// Out-of-scope screening before and after retrieval: prompt-injection
// attempts, chit-chat, insults, other companies' products and topics no
// telecom answers (recipes, weather, exchange rates, other utilities' bills).
// Works on folded words (see analyzer.words), in English and Albanian.

export type ScopeReason = 'injection' | 'chitchat' | 'abuse' | 'other_company' | 'off_topic' | 'no_match' | 'empty';

const rx = (alternatives: string) => new RegExp(`(?:^| )(?:${alternatives})(?: |$)`);

const INJECTION = rx(
  [
    '(?:ignore|disregard|forget|override|bypass|skip)(?: \\w+){0,3} (?:instructions?|rules|prompts?|guidelines|directions|context|programming|restrictions)',
    'system prompt|developer mode|jailbreak|dan mode|do anything now|prompt injection|you are now|from now on you|act as (?:a|an|my)|pretend (?:to be|you are|that you)',
    '(?:reveal|show|print|repeat|tell me|output|leak)(?: \\w+){0,2} (?:your|the|system) (?:prompt|instructions|rules|configuration)',
    'new instructions|roleplay as|simulate (?:a|an)|sudo|admin mode',
    '(?:injoro|shperfill|harro|anashkalo)(?: \\w+){0,3} (?:udhezimet|udhezime|rregullat|instruksionet)',
  ].join('|'),
);

const CHITCHAT = rx(
  [
    'tell me (?:a|another|some) (?:joke|story|riddle|poem)|jokes?|riddles?|poems?|sing (?:me )?a song|how are you|how r you|who are you|what(?: is)? your name|who made you',
    'are you (?:a |an )?(?:robot|bot|human|real|ai|machine|chatbot)|do you (?:love|like) me|i love you|marry me|what can you do|meaning of life',
    'are you (?:single|married|happy|bored)|what time is it|whats up|how old are you|where are you from|do you dream',
    'si je|si jeni|kush je|si quhesh|si e ke emrin|me trego (?:nje )?(?:shaka|barcalete|histori)|shaka|barcalete',
  ].join('|'),
);

const GREETING_ONLY = /^(?:(?:hi|hello|hey|thanks|thank you|thank|you|ok|okay|bye|goodbye|good|morning|evening|night|afternoon|cheers|great|cool|faleminderit|mirupafshim|pershendetje|mirdita|miredita|tung|ok) ?)+$/;

const ABUSE = rx(
  'stupid|idiot|idiotic|dumb|useless|moron|shut up|hate you|suck|sucks|crap|garbage|trash|pathetic|worthless|rubbish|fuck\\w*|shit\\w*|wtf|damn|budalla|idiot|kot|pavlere|i pavlere|qorr',
);

/** Words that carry no question when the customer is angry; removed before matching. */
export const ABUSE_WORDS = new Set(
  'stupid idiot idiotic dumb useless moron suck sucks crap garbage trash pathetic worthless rubbish wtf damn budalla pavlere'.split(' '),
);

// Topics no telecom FAQ answers. Matching one rejects the question outright.
const OFF_TOPIC = rx(
  [
    'weather|forecast|temperature outside|will it rain|recipe|recipes|cake|bake|baking|cook|cooking|chocolate|pizza|dinner|lunch|breakfast',
    'restaurant|restaurants|hotel booking|book a flight|flight tickets?|train tickets?|bus tickets?|taxi|uber',
    'passport|embassy|visa application|driving licen[cs]e|id card renewal|tax return|election',
    'exchange rate|exchange rates|currency|currencies|convert (?:euro|dollars?|pounds?)|dollar rate|stock market|stock price|share price|bitcoin|crypto\\w*|lottery|horoscope',
    'water bill|electricity bill|gas bill|heating bill|electricity supplier|electricity provider|water supply|power company',
    'homework|maths|math|mathematics|algebra|essay|exam|exams|school project',
    'install windows|windows 1[01]|windows update|microsoft office|excel|word document|macos|linux',
    'who won|final score|what was the score|the score|who scored|champions league|world cup|premier league|olympics|football player|best player|players?',
    'cinema tickets?|movie tickets?|concert tickets?|plane tickets?|the bank open|bank opening|bank branch',
    'doctor|hospital|medicine|pharmacy|dentist',
    'moti|parashikimi i motit|receta|tortë|torte|gatim|pasaporte|ambasade|kursi i kembimit|kembim valutor|detyre shtepie|matematike|fatura e ujit|fatura e dritave|energji elektrike',
  ].join('|'),
);

// Competing operators and services with accounts of their own.
const OTHER_OPERATORS = rx('vodafone|telekom|t mobile|albtelecom|eagle mobile|one albania|ipko|verizon|at t|o2|vivacom|a1|telenor|wind tre');
const PLATFORMS = rx(
  'netflix|spotify|disney|hbo|amazon|prime video|apple id|icloud|gmail|google account|facebook|instagram|whatsapp|tiktok|youtube|paypal|twitter|snapchat|steam|playstation|xbox|revolut',
);
const ACCOUNT_WORDS = rx('password|account|login|log in|sign in|subscription|subscribe|subscribed|profile|username|membership|renew');
const PORTING_WORDS = rx('switch|switching|leave|leaving|from|port|porting|move|moving|transfer|keep|bring|join|joining|come over|kaloj|largohem|nga|bart');
const COMPANY_SUFFIX = /^(mobile|telecom|telekom|tel|networks?|wireless|broadband|cable|energy|bank|airlines?|insurance)$/;

export interface ScreenInput {
  /** Folded words of the question (analyzer.words). */
  words: string[];
  /** Is the word known to the knowledge base or the lexicon? */
  knows: (w: string) => boolean;
}

/** A reason to refuse the question whatever the index says, or null. */
export function screen({ words, knows }: ScreenInput): ScopeReason | null {
  const text = words.join(' ');
  if (!text) return 'empty';
  if (INJECTION.test(text)) return 'injection';
  if (GREETING_ONLY.test(text) || CHITCHAT.test(text)) return 'chitchat';
  if (OFF_TOPIC.test(text)) return 'off_topic';
  const porting = PORTING_WORDS.test(text);
  if (OTHER_OPERATORS.test(text) && !porting) return 'other_company';
  if (PLATFORMS.test(text) && ACCOUNT_WORDS.test(text)) return 'other_company';
  // "Zeta Mobile", "Alfa Telecom": an unknown name in front of a company word.
  for (let i = 0; i + 1 < words.length; i++) {
    if (COMPANY_SUFFIX.test(words[i + 1]) && !knows(words[i]) && words[i].length > 2 && !/\d/.test(words[i]) && !porting) return 'other_company';
  }
  return null;
}

/** Insults with nothing else to go on: answered as out of scope (the flow decides about frustration). */
export function isAbuse(words: string[]): boolean {
  return ABUSE.test(words.join(' '));
}
